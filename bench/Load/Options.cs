using System.Globalization;

namespace HostingPanel.Bench.Load;

/// <summary>"--name value" and "--flag" options after a verb; unknown names are an error.</summary>
internal sealed class Options
{
    private readonly Dictionary<string, string?> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);

    public Options(IEnumerable<string> args)
    {
        string? pending = null;
        foreach (var arg in args)
        {
            if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                if (pending is not null) _values[pending] = null;
                pending = arg[2..];
            }
            else if (pending is not null)
            {
                _values[pending] = arg;
                pending = null;
            }
            else
            {
                throw new ArgumentException($"unexpected argument '{arg}'");
            }
        }
        if (pending is not null) _values[pending] = null;
    }

    public string String(string name, string? fallback = null)
    {
        _read.Add(name);
        if (_values.TryGetValue(name, out var v) && v is not null) return v;
        return fallback ?? throw new ArgumentException($"--{name} is required");
    }

    public string? Optional(string name)
    {
        _read.Add(name);
        return _values.TryGetValue(name, out var v) ? v : null;
    }

    public int Int(string name, int? fallback = null)
    {
        var s = Optional(name);
        if (s is null) return fallback ?? throw new ArgumentException($"--{name} is required");
        return int.Parse(s, CultureInfo.InvariantCulture);
    }

    public double Double(string name, double fallback)
    {
        var s = Optional(name);
        return s is null ? fallback : double.Parse(s, CultureInfo.InvariantCulture);
    }

    public bool Flag(string name)
    {
        _read.Add(name);
        return _values.ContainsKey(name);
    }

    /// <summary>Call after reading every option, so a misspelt option fails instead of being ignored.</summary>
    public void EnsureAllRead()
    {
        var unknown = _values.Keys.Where(k => !_read.Contains(k)).ToList();
        if (unknown.Count > 0) throw new ArgumentException("unknown option(s): --" + string.Join(", --", unknown));
    }
}
