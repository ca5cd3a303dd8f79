using SharpFuzz.Common;

namespace HostingPanel.Fuzz;

/// <summary>
/// The edge map SharpFuzz's instrumentation writes (AFL layout: 64 KiB of hit counters indexed by
/// hashed branch pairs, <see cref="Trace.SharedMem"/>). Here the map lives in this process: the
/// driver clears it before each input and reads it after, instead of an AFL or libFuzzer parent.
/// In an uninstrumented build nothing writes to it and the driver is a plain mutation fuzzer.
/// </summary>
internal sealed unsafe class CoverageMap : IDisposable
{
    public const int Size = 1 << 16;
    private readonly byte* _map;
    // Per edge, the hit-count classes seen so far (AFL's buckets as bits).
    private readonly byte[] _seen = new byte[Size];

    public CoverageMap()
    {
        _map = (byte*)System.Runtime.InteropServices.NativeMemory.AllocZeroed(Size);
        Trace.SharedMem = _map;
    }

    public int EdgesSeen { get; private set; }

    public void Reset()
    {
        new Span<byte>(_map, Size).Clear();
        Trace.PrevLocation = 0;
    }

    /// <summary>Folds the last run into what was seen; true when it reached an edge or a hit-count class never seen before.</summary>
    public bool MergeNew()
    {
        var map = new ReadOnlySpan<byte>(_map, Size);
        var found = false;
        var start = 0;
        while (start < Size)
        {
            var offset = map[start..].IndexOfAnyExcept((byte)0);
            if (offset < 0)
                break;
            var i = start + offset;
            var bucket = Bucket(map[i]);
            if ((_seen[i] & bucket) == 0)
            {
                if (_seen[i] == 0)
                    EdgesSeen++;
                _seen[i] |= bucket;
                found = true;
            }
            start = i + 1;
        }
        return found;
    }

    private static byte Bucket(byte hits) => hits switch
    {
        1 => 1,
        2 => 2,
        3 => 4,
        <= 7 => 8,
        <= 15 => 16,
        <= 31 => 32,
        <= 127 => 64,
        _ => 128,
    };

    public void Dispose()
    {
        Trace.SharedMem = null;
        System.Runtime.InteropServices.NativeMemory.Free(_map);
    }
}
