using System.Diagnostics;
using System.Text;

namespace HostingPanel.Testing;

/// <summary>
/// An independent DKIM verifier: Debian's python3-dkim (dkimpy, the library behind <c>dkimverify</c>), asked to verify
/// every DKIM-Signature of a message with keys looked up at a given DNS server (the tests' dnsmasq), not the system's.
/// </summary>
public static class DebianDkimVerifier
{
    private const string Script = """
        import sys, dkim, dns.resolver
        port = int(sys.argv[1])
        message = sys.stdin.buffer.read()
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers = ['127.0.0.1']
        resolver.port = port
        def lookup(name, timeout=5):
            try:
                answer = resolver.resolve(name.decode().rstrip('.'), 'TXT')
            except Exception:
                return None
            return b''.join(b''.join(r.strings) for r in answer)
        d = dkim.DKIM(message)
        count = sum(1 for (k, v) in d.headers if k.lower() == b'dkim-signature')
        results = []
        for i in range(count):
            try:
                ok = d.verify(idx=i, dnsfunc=lookup)
            except dkim.DKIMException:
                ok = False
            sig = dkim.util.parse_tag_value(d.headers[[j for j, (k, v) in enumerate(d.headers) if k.lower() == b'dkim-signature'][i]][1])
            results.append('%s %s %s' % (sig[b'a'].decode(), sig[b's'].decode(), 'pass' if ok else 'fail'))
        print('\n'.join(results))
        """;

    /// <summary>One line per signature: "algorithm selector pass|fail". Skips (fails in CI) without python3-dkim.</summary>
    public static async Task<IReadOnlyList<string>> VerifyAsync(string message, int dnsPort)
    {
        TestEnvironment.RequireTool("dkimverify", "python3-dkim");
        // Debian's interpreter, where python3-dkim is installed (not a python3 that happens to come first on PATH).
        var start = new ProcessStartInfo(File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3")
        {
            RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(Script);
        start.ArgumentList.Add(dnsPort.ToString());
        using var process = Process.Start(start)!;
        await process.StandardInput.BaseStream.WriteAsync(Encoding.UTF8.GetBytes(message));
        process.StandardInput.Close();
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"python3-dkim failed ({process.ExitCode}): {error}");
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }
}
