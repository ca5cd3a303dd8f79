using HostingPanel.Application.Common;
using HostingPanel.Data;
using HostingPanel.Data.Model;
using HostingPanel.Provisioning;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace HostingPanel.Model.Tests.Services;

/// <summary>
/// Issue 19 item 6: the usage history is thinned with age (hourly points for 7 days, daily for 13 months), a quiet
/// mailbox costs no rows, customers and resellers get a point per hour and day, and a restart within an hour writes
/// nothing twice. Nine and a half simulated days of hourly worker passes on a real database of each provider.
/// </summary>
public sealed class UsageHistoryTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 30, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(Provider.Sqlite)]
    [InlineData(Provider.PostgreSql)]
    public async Task History_IsThinnedWithAge_QuietMailboxesCostNothing_TenantsGetEveryHour_RestartsWriteNothingTwice(Provider provider)
    {
        await using var harness = await ServiceHarness.StartAsync(provider);
        var busy = Guid.NewGuid();
        var quiet = Guid.NewGuid();
        var customer = Guid.NewGuid();
        var reseller = Guid.NewGuid();
        var recorder = new UsageHistoryRecorder();
        var now = Start;
        const int Hours = 9 * 24 + 12;
        for (var h = 0; h <= Hours; h++, now = now.AddHours(1))
        {
            await using var scope = harness.As(Actor.System);
            var db = scope.ServiceProvider.GetRequiredService<HostingPanelDbContext>();
            // Busy grows every hour; quiet last changed before the first pass.
            MailboxFigures[] figures =
            [
                new(busy, customer, reseller, 1000L * (h + 1), h + 1, now),
                new(quiet, customer, reseller, 5, 1, Start.AddDays(-3)),
            ];
            await recorder.RecordAsync(db, figures, now, TestContext.Current.CancellationToken);
            // A second pass in the same hour adds nothing.
            await recorder.RecordAsync(db, figures, now.AddMinutes(10), TestContext.Current.CancellationToken);
            await db.SaveChangesAsync(TestContext.Current.CancellationToken);
        }
        var last = now.AddHours(-1);
        var lastHour = UsageHistoryPoint.BucketOf(last, UsageResolution.Hour);

        await using (var scope = harness.As(Actor.System))
        {
            var points = await scope.ServiceProvider.GetRequiredService<HostingPanelDbContext>().UsageHistory.ToListAsync(TestContext.Current.CancellationToken);
            List<long> Buckets(Guid id, UsageResolution r) => points.Where(p => p.SubjectId == id && p.Resolution == r).Select(p => p.Bucket).Order().ToList();

            // Hourly: the last 7 days and the current hour, nothing older.
            Assert.Equal(Enumerable.Range(0, UsageHistoryPoint.HoursKept + 1).Select(i => lastHour - UsageHistoryPoint.HoursKept + i), Buckets(busy, UsageResolution.Hour));
            Assert.Equal(Buckets(busy, UsageResolution.Hour), Buckets(customer, UsageResolution.Hour));
            Assert.Equal(Buckets(busy, UsageResolution.Hour), Buckets(reseller, UsageResolution.Hour));
            // Daily: one per day seen (10 days), kept for 13 months.
            Assert.Equal(10, Buckets(busy, UsageResolution.Day).Count);
            Assert.Equal(10, Buckets(customer, UsageResolution.Day).Count);
            // The quiet mailbox: its one hourly point aged out; its one daily point stays and holds its value.
            Assert.Empty(Buckets(quiet, UsageResolution.Hour));
            Assert.Equal([UsageHistoryPoint.BucketOf(Start, UsageResolution.Day)], Buckets(quiet, UsageResolution.Day));
            // The customer's point is the sum of its mailboxes.
            var customerLast = points.Single(p => p.SubjectId == customer && p.Resolution == UsageResolution.Hour && p.Bucket == lastHour);
            Assert.Equal((1000L * (Hours + 1) + 5, (long)Hours + 2), (customerLast.UsedBytes, customerLast.MessageCount));
        }

        // A restart within the same hour and day: the new process writes nothing more for them.
        var count = 0;
        await using (var scope = harness.As(Actor.System))
        {
            var db = scope.ServiceProvider.GetRequiredService<HostingPanelDbContext>();
            count = await db.UsageHistory.CountAsync(TestContext.Current.CancellationToken);
            await new UsageHistoryRecorder().RecordAsync(db, [new(busy, customer, reseller, 1, 1, last)], last.AddMinutes(5), TestContext.Current.CancellationToken);
            await db.SaveChangesAsync(TestContext.Current.CancellationToken);
            Assert.Equal(count, await db.UsageHistory.CountAsync(TestContext.Current.CancellationToken));
        }
    }
}
