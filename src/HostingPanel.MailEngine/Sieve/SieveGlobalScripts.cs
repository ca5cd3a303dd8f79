using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace HostingPanel.MailEngine.Sieve;

/// <summary>
/// The site-wide scripts that <c>include :global</c> names (RFC 6609 section 3.1), read from
/// <see cref="SieveOptions.GlobalDirectory"/> as <c>name.sieve</c> (Pigeonhole's layout), compiled once per file
/// version. Names never reach the file system unchecked: the compiler refuses "/", "\" and a leading ".".
/// </summary>
public sealed class SieveGlobalScripts(IOptions<SieveOptions> options)
{
    private readonly ConcurrentDictionary<string, (DateTime Written, long Length, SieveIncludedScript Compiled)> _cache = new(StringComparer.Ordinal);

    /// <summary>The compiled global script, or null when there is none by that name.</summary>
    public SieveIncludedScript? Get(string name)
    {
        var directory = options.Value.GlobalDirectory;
        if (string.IsNullOrEmpty(directory) || SieveCompiler.IncludeNameError(name) is not null)
            return null;
        var file = new FileInfo(Path.Combine(directory, name + ".sieve"));
        if (!file.Exists || file.Length > SieveCompiler.MaxScriptLength)
            return null;
        if (_cache.TryGetValue(name, out var cached) && cached.Written == file.LastWriteTimeUtc && cached.Length == file.Length)
            return cached.Compiled;
        SieveIncludedScript compiled;
        try
        {
            compiled = new SieveIncludedScript(SieveScript.Compile(File.ReadAllText(file.FullName)), null);
        }
        catch (SieveCompileException e)
        {
            compiled = new SieveIncludedScript(null, e.Message);
        }
        catch (IOException)
        {
            return null;
        }
        _cache[name] = (file.LastWriteTimeUtc, file.Length, compiled);
        return compiled;
    }
}
