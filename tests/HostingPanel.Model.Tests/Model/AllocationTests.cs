using HostingPanel.Data.Model;

namespace HostingPanel.Model.Tests.Model;

public sealed class PlanAllocationTests
{
    private static Customer CustomerWithPlan(int domains = 2, int mailboxes = 3, long diskMb = 1000) =>
        new("Acme", null, new PlanLimits(domains, mailboxes, diskMb));

    [Fact]
    public void Mailbox_FitsWhileCountAndQuotaSumStayInsidePlan()
    {
        var c = CustomerWithPlan();
        Assert.Null(c.AllocateMailbox(new PlanUsage(1, 2, 600), 400));
    }

    [Fact]
    public void Customer_CannotExceedPlan_MailboxCount()
    {
        var v = CustomerWithPlan().AllocateMailbox(new PlanUsage(1, 3, 100), 10);
        Assert.NotNull(v);
        Assert.Equal("mailboxes", v.Limit);
        Assert.Equal(0, v.Remaining);
        Assert.Equal("The plan allows 3 mailboxes; 3 are in use, so 0 left and 1 requested.", v.Message);
    }

    [Fact]
    public void Customer_CannotExceedPlan_QuotaSum_AndTheMessageSaysWhatIsLeft()
    {
        var v = CustomerWithPlan().AllocateMailbox(new PlanUsage(1, 1, 700), 301);
        Assert.NotNull(v);
        Assert.Equal("disk", v.Limit);
        Assert.Equal(300, v.Remaining);
        Assert.Contains("300 MB left", v.Message);
    }

    [Fact]
    public void Resizing_CountsOnlyTheGrowth()
    {
        var c = CustomerWithPlan(diskMb: 1000);
        // 1000 MB allocated of which this mailbox holds 400: growing it to 400 changes nothing, to 401 exceeds.
        Assert.Null(c.ResizeMailbox(new PlanUsage(1, 2, 1000), 400, 400));
        Assert.NotNull(c.ResizeMailbox(new PlanUsage(1, 2, 1000), 400, 401));
        Assert.Null(c.ResizeMailbox(new PlanUsage(1, 2, 1000), 400, 100));
    }

    [Fact]
    public void Plan_CannotShrinkBelowWhatIsInUse()
    {
        var c = CustomerWithPlan();
        var v = c.ChangePlan(new PlanLimits(2, 1, 1000), new PlanUsage(1, 2, 100));
        Assert.Equal("mailboxes", v!.Limit);
        Assert.Equal(3, c.Plan.MaxMailboxes);
    }

    [Fact]
    public void Domain_CountIsLimitedByPlan()
    {
        Assert.Null(CustomerWithPlan(domains: 2).AllocateDomain(new PlanUsage(1, 0, 0)));
        Assert.Equal("domains", CustomerWithPlan(domains: 2).AllocateDomain(new PlanUsage(2, 0, 0))!.Limit);
    }

    [Fact]
    public void EveryAllocation_ChangesTheConcurrencyToken_SoRacingWritersConflict()
    {
        var c = CustomerWithPlan();
        var before = c.AllocationVersion;
        c.AllocateMailbox(new PlanUsage(0, 0, 0), 10);
        Assert.NotEqual(before, c.AllocationVersion);
    }
}

public sealed class PoolAllocationTests
{
    private static Reseller ResellerWithPool() => new("Reseller One", new PoolLimits(MaxCustomers: 2, MaxDomains: 5, MaxMailboxes: 20, DiskQuotaMb: 10_000));

    [Fact]
    public void Plans_FitWhileTheySumInsideThePool()
    {
        var r = ResellerWithPool();
        Assert.Null(r.CheckPlan(new PoolLimits(1, 2, 10, 5000), null, new PlanLimits(3, 10, 5000)));
    }

    [Fact]
    public void Reseller_CannotExceedPool()
    {
        var r = ResellerWithPool();
        var v = r.CheckPlan(new PoolLimits(1, 2, 10, 5000), null, new PlanLimits(3, 10, 5001));
        Assert.Equal("disk", v!.Limit);
        Assert.Equal(5000, v.Remaining);
        Assert.Contains("reseller's pool", v.Message);
        Assert.Equal("customers", r.CheckPlan(new PoolLimits(2, 2, 2, 2), null, new PlanLimits(1, 1, 1))!.Limit);
    }

    [Fact]
    public void ChangingAPlan_CountsItsOldSizeAsFree()
    {
        var r = ResellerWithPool();
        var old = new PlanLimits(5, 10, 5000);
        Assert.Null(r.CheckPlan(new PoolLimits(1, 5, 10, 5000), old, new PlanLimits(5, 20, 10_000)));
    }

    [Fact]
    public void Overselling_IsARatio_PlansMayAddUpToThatShareOfThePool_AndNoMore()
    {
        var r = ResellerWithPool();
        Assert.Null(r.SetOverselling(150, new PoolLimits(0, 0, 0, 0)));
        // Pool 10,000 MB at 150 %: 15,000 MB of plans; 10,000 are held, so 5,000 more fit and 5,001 do not.
        Assert.Null(r.CheckPlan(new PoolLimits(2, 5, 20, 10_000), null, new PlanLimits(1, 1, 5000)));
        var over = r.CheckPlan(new PoolLimits(2, 5, 20, 10_000), null, new PlanLimits(1, 1, 5001))!;
        Assert.Equal(("disk", 15_000L), (over.Limit, over.Allowed));
        Assert.StartsWith("The reseller's pool at 150 % allows", over.Message);
    }

    [Fact]
    public void Overselling_OutOfRange_IsClamped_AndCannotFallBelowWhatThePlansHold()
    {
        var r = ResellerWithPool();
        Assert.Null(r.SetOverselling(5000, new PoolLimits(0, 0, 0, 0)));
        Assert.Equal(Reseller.MaxOversellPercent, r.OversellPercent);
        var refused = r.SetOverselling(100, new PoolLimits(2, 5, 10, 20_000));
        Assert.Equal("disk", refused!.Limit);
        Assert.Equal(Reseller.MaxOversellPercent, r.OversellPercent);
    }

    [Fact]
    public void Pool_CannotShrinkBelowThePlans_TimesTheRatio()
    {
        var r = ResellerWithPool();
        Assert.Equal("mailboxes", r.ResizePool(new PoolLimits(2, 5, 5, 10_000), new PoolLimits(2, 5, 10, 1000))!.Limit);
        r.SetOverselling(200, new PoolLimits(0, 0, 0, 0));
        Assert.Null(r.ResizePool(new PoolLimits(2, 5, 5, 10_000), new PoolLimits(2, 5, 10, 1000)));
        Assert.Equal("mailboxes", r.ResizePool(new PoolLimits(2, 5, 4, 10_000), new PoolLimits(2, 5, 10, 1000))!.Limit);
    }
}
