using FluentValidation;
using HostingPanel.Web.Webmail;

namespace HostingPanel.Web.Features.Webmail;

/// <summary>The webmail main page: folders, one page of the current folder, and what the sidebar says.</summary>
/// <param name="Activity">What POP3 left and removed (issue 19 item 5: webmail shows what POP3 already took); null while unknown.</param>
public sealed record WebmailPage(string Address, FolderOverview Overview, MessagePage List, bool Pop3Enabled,
    HostingPanel.Application.Mailboxes.MailboxActivityView? Activity = null)
{
    public FolderItem? Current => Overview.Find(List.Query.Folder);
}

public sealed record MessagePageModel(MessageView Message, bool ShowText, bool RemoteImages, FolderOverview Overview);

/// <summary>The query string of the list: folder, page, order, view and search.</summary>
public sealed class ListParameters
{
    public string? Folder { get; set; }
    public int Page { get; set; } = 1;
    public SortField Sort { get; set; } = SortField.Received;
    public bool Asc { get; set; }
    public bool Thread { get; set; }
    public string? Q { get; set; }
    public SearchIn In { get; set; } = SearchIn.All;

    public ListQuery ToQuery() => new(string.IsNullOrEmpty(Folder) ? ImapFolders.Inbox : Folder, Page, Sort, !Asc, Thread, Q, In);

    public static string QueryString(ListQuery q, int? page = null, SortField? sort = null, bool? thread = null)
    {
        var parts = new List<string> { "folder=" + Uri.EscapeDataString(q.Folder) };
        if ((page ?? q.Page) > 1) parts.Add("page=" + (page ?? q.Page));
        var s = sort ?? q.Sort;
        if (s != SortField.Received) parts.Add("sort=" + s.ToString().ToLowerInvariant());
        if (!q.Descending) parts.Add("asc=true");
        if (thread ?? q.Threaded) parts.Add("thread=true");
        if (!string.IsNullOrEmpty(q.Search)) parts.Add("q=" + Uri.EscapeDataString(q.Search) + (q.In == SearchIn.All ? "" : "&in=" + q.In.ToString().ToLowerInvariant()));
        return string.Join("&", parts);
    }
}

public sealed class ListParametersValidator : AbstractValidator<ListParameters>
{
    public ListParametersValidator()
    {
        RuleFor(x => x.Folder).MaximumLength(500);
        RuleFor(x => x.Page).InclusiveBetween(1, 100_000);
        RuleFor(x => x.Q).MaximumLength(200);
        RuleFor(x => x.Sort).IsInEnum();
        RuleFor(x => x.In).IsInEnum();
    }
}

/// <summary>Selected messages and what to do with them.</summary>
public sealed class MessageActionForm
{
    public string? Folder { get; set; }
    public List<uint> Uids { get; set; } = [];
    public MessageAction? Action { get; set; }
    public string? Target { get; set; }
    /// <summary>Where to go afterwards (the list's query string).</summary>
    public string? Back { get; set; }
}

public sealed class MessageActionFormValidator : AbstractValidator<MessageActionForm>
{
    public MessageActionFormValidator()
    {
        RuleFor(x => x.Folder).NotEmpty().MaximumLength(500);
        RuleFor(x => x.Uids).NotEmpty().WithMessage("Select at least one message.");
        RuleFor(x => x.Uids.Count).LessThanOrEqualTo(1000).WithMessage("Select at most 1,000 messages at once.");
        RuleFor(x => x.Action).NotNull().WithMessage("Choose what to do.").IsInEnum();
        RuleFor(x => x.Target).NotEmpty().When(x => x.Action == MessageAction.Move).WithMessage("Choose a folder to move to.");
        RuleFor(x => x.Target).MaximumLength(500);
    }
}

public sealed class FolderForm
{
    public string? Parent { get; set; }
    public string? Path { get; set; }
    public string? Name { get; set; }
}

/// <summary>A folder name: one level (no separator), printable, not too long.</summary>
public sealed class FolderFormValidator : AbstractValidator<FolderForm>
{
    public FolderFormValidator()
    {
        RuleFor(x => x.Name).NotEmpty().WithMessage("Enter a folder name.").MaximumLength(100)
            .Must(n => n is null || (!n.Contains('/') && !n.Any(char.IsControl) && n.Trim() == n && n != "." && n != ".." && !n.Contains('*') && !n.Contains('%')))
            .WithMessage("A folder name cannot contain / * % or control characters, nor start or end with a space.");
        RuleFor(x => x.Parent).MaximumLength(500);
        RuleFor(x => x.Path).MaximumLength(500);
    }
}
