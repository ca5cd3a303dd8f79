using HostingPanel.MailEngine.Protocol.ManageSieve;

namespace HostingPanel.MailEngine.Sessions.ManageSieve;

/// <summary>A command's arguments with typed access; a wrong shape answers NO with the command's usage.</summary>
internal sealed class ManageSieveArgs(string command, IReadOnlyList<ManageSieveArgument> arguments)
{
    public int Count => arguments.Count;

    public string String(int index, string usage)
    {
        if (index >= arguments.Count || !arguments[index].IsString)
            throw new ManageSieveUsageException($"usage: {command} {usage}");
        return arguments[index].Text!;
    }

    public long Number(int index, string usage)
    {
        if (index >= arguments.Count || arguments[index].IsString)
            throw new ManageSieveUsageException($"usage: {command} {usage}");
        return arguments[index].Number;
    }

    public void Expect(int count, string usage)
    {
        if (arguments.Count != count)
            throw new ManageSieveUsageException($"usage: {command} {usage}".TrimEnd());
    }
}

internal sealed class ManageSieveUsageException(string message) : Exception(message);
