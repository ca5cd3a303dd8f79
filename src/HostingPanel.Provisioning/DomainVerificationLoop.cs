using HostingPanel.Application.Common;
using HostingPanel.Application.Domains;
using HostingPanel.Data;
using HostingPanel.Data.Model;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HostingPanel.Provisioning;

/// <summary>
/// Looks up the verification TXT record of every unverified domain once per <c>Domains:VerificationInterval</c>, through
/// the configured resolvers; a domain whose record is found becomes verified and the engine is told (outbox).
/// </summary>
public sealed class DomainVerificationLoop(IServiceScopeFactory scopes, IOptions<DomainOptions> options, ProvisioningSignal signal,
    ILogger<DomainVerificationLoop> log) : BackgroundService
{
    /// <summary>Domains looked up per pass at most, those checked longest ago first.</summary>
    private const int BatchSize = 200;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.VerificationInterval > TimeSpan.Zero ? options.Value.VerificationInterval : TimeSpan.FromMinutes(10);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var verified = await RunOnceAsync(interval, stoppingToken);
                if (verified > 0) signal.Notify();
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { return; }
            catch (Exception e)
            {
                log.LogWarning(e, "Domain verification pass failed; will try again");
            }
            try { await Task.Delay(interval, stoppingToken); } catch (OperationCanceledException) { return; }
        }
    }

    /// <summary>One pass; returns how many domains became verified.</summary>
    public async Task<int> RunOnceAsync(TimeSpan interval, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        scope.ServiceProvider.GetRequiredService<IActorOverride>().Use(Actor.System);
        var db = scope.ServiceProvider.GetRequiredService<HostingPanelDbContext>();
        var verifier = scope.ServiceProvider.GetRequiredService<DomainVerifier>();
        var domains = scope.ServiceProvider.GetRequiredService<DomainService>();
        var due = DateTimeOffset.UtcNow - interval + TimeSpan.FromSeconds(1);
        var candidates = (await db.Domains.Include(d => d.Customer)
                .Where(d => d.VerifiedAt == null && d.Status != EntityStatus.Deleting)
                .ToListAsync(ct))
            .Where(d => d.VerificationCheckedAt is null || d.VerificationCheckedAt <= due)
            .OrderBy(d => d.VerificationCheckedAt ?? DateTimeOffset.MinValue).Take(BatchSize).ToList();
        var verified = 0;
        foreach (var domain in candidates)
        {
            if (await verifier.CheckAsync(domain, ct))
            {
                domains.RecordVerified(domain, "the TXT record was found by the worker");
                log.LogInformation("Domain {Domain} verified: its TXT record was found", domain.Name);
                verified++;
            }
        }
        await db.SaveChangesAsync(ct);
        return verified;
    }
}
