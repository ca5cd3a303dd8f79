using System.Text;
using BenchmarkDotNet.Attributes;
using HostingPanel.MailEngine.Sieve;

namespace HostingPanel.Bench.Micro;

/// <summary>
/// What Sieve adds to one delivery: parsing the message's header (as delivery does from the body file's
/// head) and running a compiled 50-rule script against it (header, address, envelope-free :matches, size
/// tests; fileinto, flags). The script is compiled once per change and cached, so compilation is measured apart.
/// </summary>
[MemoryDiagnoser]
public class SieveBenchmarks
{
    private SieveScript _script = null!;
    private string _source = "";
    private byte[] _message = [];
    private SieveMessage _parsed = null!;

    [GlobalSetup]
    public void Setup()
    {
        _source = FiftyRules();
        _script = SieveScript.Compile(_source);
        _message = CorpusSamples.Get("plain-small");
        _parsed = SieveMessage.Parse(_message, "sender@example.org", "u01@bench.test");
        var result = SieveInterpreter.Run(_script, _parsed);
        if (result.Error is not null)
            throw new InvalidOperationException(result.Error);
    }

    /// <summary>50 rules as people write them: most test From, To or Subject; none matches the sample, so every test runs.</summary>
    public static string FiftyRules()
    {
        var sb = new StringBuilder("require [\"fileinto\", \"imap4flags\", \"copy\", \"relational\", \"comparator-i;ascii-numeric\"];\r\n");
        for (var i = 0; i < 50; i++)
        {
            sb.Append((i % 5) switch
            {
                0 => $"if header :contains \"subject\" \"[list-{i}]\" {{ fileinto \"Lists/l{i}\"; stop; }}\r\n",
                1 => $"if address :domain :is \"from\" \"sender{i}.example\" {{ fileinto :copy \"From/{i}\"; }}\r\n",
                2 => $"if anyof (header :matches \"to\" \"*team{i}@*\", address :localpart \"cc\" \"boss{i}\") {{ addflag \"\\\\Flagged\"; }}\r\n",
                3 => $"if allof (size :over {i + 10}M, not exists \"x-keep-{i}\") {{ fileinto \"Big\"; }}\r\n",
                _ => $"if header :value \"ge\" :comparator \"i;ascii-numeric\" \"x-spam-score-{i}\" \"10\" {{ fileinto \"Junk\"; stop; }}\r\n",
            });
        }
        return sb.ToString();
    }

    /// <summary>Per delivery: header parse + run.</summary>
    [Benchmark(Baseline = true)]
    public int ParseAndRun() => SieveInterpreter.Run(_script, SieveMessage.Parse(_message, "sender@example.org", "u01@bench.test")).Folders.Count;

    /// <summary>The run alone on an already parsed header (its field index built on first use and kept).</summary>
    [Benchmark]
    public int RunOnly() => SieveInterpreter.Run(_script, _parsed).Folders.Count;

    /// <summary>Once per script change (cached by script id and version afterwards).</summary>
    [Benchmark]
    public int Compile() => SieveScript.Compile(_source).Extensions.Count;
}
