namespace HostingPanel.Data.Model;

/// <summary>Disk use of one domain at one moment, kept by the worker for the portal's charts.</summary>
public class UsageSample
{
    private UsageSample() { }
    public UsageSample(Guid domainId, DateTimeOffset at, long usedBytes, long messageCount)
    {
        DomainId = domainId;
        At = at;
        UsedBytes = usedBytes;
        MessageCount = messageCount;
    }
    public long Id { get; private set; }
    public Guid DomainId { get; private set; }
    public DateTimeOffset At { get; private set; }
    public long UsedBytes { get; private set; }
    public long MessageCount { get; private set; }
}
