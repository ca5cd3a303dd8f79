using HostingPanel.MailEngine.Hosting;

namespace HostingPanel.MailEngine.Delivery;

/// <summary>
/// Where every path that moves a message tells what happened: counted in the metrics at once, and handed to the
/// delivery log's writer, which batches the rows off the delivery path. Never throws and never waits.
/// </summary>
public sealed class DeliveryRecorder(MailMetrics metrics, DeliveryLogWriter log, TimeProvider time)
{
    public TimeProvider Clock => time;

    public void Record(DeliveryEvent e)
    {
        metrics.Outcome(e.Outcome.Name(), e.Outcome == DeliveryOutcome.Refused ? e.Reason ?? "other" : null);
        log.Enqueue(e);
    }

}
