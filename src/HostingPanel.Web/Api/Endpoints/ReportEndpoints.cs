using HostingPanel.Application.Mailboxes;

namespace HostingPanel.Web.Api.Endpoints;

/// <summary>Reports over the caller's mailboxes (staff: every tenant; resellers and customers: their own).</summary>
public static class ReportEndpoints
{
    public static void Map(RouteGroupBuilder api)
    {
        var reports = api.MapGroup("/reports").WithTags("Reports");

        reports.MapGet("/pop3-keepers", async (MailboxActivityService service, CancellationToken ct) =>
                (await service.ListPop3KeepersAsync(ct)).ToOk(list => new Pop3KeeperListDto(list.Select(Pop3KeeperDto.From).ToList())))
            .WithName("ListPop3Keepers").WithSummary("POP3 programs that never delete")
            .WithDescription("Mailboxes in the caller's scope that grow only by what their POP3 program downloads and leaves on the server: POP3 "
                + "retention off, mail first downloaded 7 or more days ago still there, and no POP3 removal in 30 days. Each with what is kept, "
                + "`bytesPerDay` and `projectedFullAt` (null: no quota or no growth), the soonest full first. The fix is one call: "
                + "`PATCH /api/v1/domains/{domain}/mailboxes/{localPart}` with `{\"pop3RetentionDays\": 30}`. Mailbox owners: 404.")
            .Produces<Pop3KeeperListDto>().NotFound();
    }
}
