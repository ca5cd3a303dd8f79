using HostingPanel.MailEngine.Hosting;
using Microsoft.Extensions.Options;

namespace HostingPanel.MailEngine.Auth;

/// <summary>
/// Every password-hash check of the process (IMAP, POP3, SMTP AUTH, portal and webmail sign-in, "current password"
/// checks) runs in one of a few slots (<c>Mail:Auth:HashSlots</c>, default the number of cores, at least 2), so a burst of
/// deliberately slow hashes cannot take every core or gigabytes of Argon2 memory at once.
/// The slots are shared fairly between tenants: each tenant (the caller's key: a mail domain, a portal tenant, or
/// "unknown" for logins that match nobody) holds at most half of them, and a freed slot goes to the tenants that wait
/// in turn, not in arrival order. One tenant's queue of expensive checks therefore delays another tenant's login by
/// at most one check, never by the whole queue (Dovecot gets the same from its separate auth worker processes).
/// </summary>
public sealed class PasswordCheckPool
{
    private readonly Lock _gate = new();
    private readonly int _slots;
    private readonly int _perTenant;
    private int _busy;
    // Tenants with waiting work, in their turn order; each with its waiters in arrival order and its running count.
    private readonly LinkedList<Tenant> _turns = new();
    private readonly Dictionary<string, Tenant> _tenants = new(StringComparer.Ordinal);

    public PasswordCheckPool(IOptions<MailEngineOptions> options)
        : this(options.Value.Auth.HashSlots > 0 ? options.Value.Auth.HashSlots : Math.Max(2, Environment.ProcessorCount))
    {
    }

    public PasswordCheckPool(int slots)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(slots, 1);
        _slots = slots;
        _perTenant = Math.Max(1, slots / 2);
    }

    public int Slots => _slots;

    /// <summary>Checks waiting for a slot now (tests and metrics).</summary>
    public int Waiting
    {
        get
        {
            lock (_gate)
                return _tenants.Values.Sum(t => t.Waiters.Count);
        }
    }

    /// <summary>Runs a synchronous (CPU-bound) check on the thread pool inside a slot of <paramref name="tenant"/>.</summary>
    public Task<T> RunOnThreadPoolAsync<T>(string tenant, Func<T> check, CancellationToken ct = default) =>
        RunAsync(tenant, () => Task.Run(check, CancellationToken.None), ct);

    /// <summary>Runs <paramref name="check"/> inside a slot of <paramref name="tenant"/>; waits for its turn first.</summary>
    public async Task<T> RunAsync<T>(string tenant, Func<Task<T>> check, CancellationToken ct = default)
    {
        await EnterAsync(tenant, ct);
        try
        {
            return await check();
        }
        finally
        {
            Leave(tenant);
        }
    }

    private Task EnterAsync(string key, CancellationToken ct)
    {
        TaskCompletionSource waiter;
        lock (_gate)
        {
            var tenant = TenantOf(key);
            if (_busy < _slots && tenant.Running < _perTenant && tenant.Waiters.Count == 0)
            {
                _busy++;
                tenant.Running++;
                return Task.CompletedTask;
            }
            waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            tenant.Waiters.AddLast(waiter);
            if (tenant.Turn is null) tenant.Turn = _turns.AddLast(tenant);
        }
        if (!ct.CanBeCanceled) return waiter.Task;
        var registration = ct.Register(() => Cancel(key, waiter, ct));
        return waiter.Task.ContinueWith(t => { registration.Dispose(); return t; }, TaskScheduler.Default).Unwrap();
    }

    private void Cancel(string key, TaskCompletionSource waiter, CancellationToken ct)
    {
        lock (_gate)
        {
            if (!_tenants.TryGetValue(key, out var tenant) || !tenant.Waiters.Remove(waiter)) return; // already granted
            Forget(tenant);
        }
        waiter.TrySetCanceled(ct);
    }

    private void Leave(string key)
    {
        var granted = new List<TaskCompletionSource>();
        lock (_gate)
        {
            var tenant = _tenants[key];
            tenant.Running--;
            _busy--;
            Forget(tenant);
            // Hand the free slots out in turn: each tenant that waits and is under its share gets one, then goes to the back.
            var skipped = 0;
            while (_busy < _slots && _turns.First is { } first && skipped < _turns.Count)
            {
                var next = first.Value;
                if (next.Running >= _perTenant)
                {
                    _turns.RemoveFirst();
                    next.Turn = _turns.AddLast(next);
                    skipped++;
                    continue;
                }
                skipped = 0;
                var waiter = next.Waiters.First!.Value;
                next.Waiters.RemoveFirst();
                next.Running++;
                _busy++;
                _turns.RemoveFirst();
                next.Turn = next.Waiters.Count > 0 ? _turns.AddLast(next) : null;
                granted.Add(waiter);
            }
        }
        foreach (var waiter in granted) waiter.TrySetResult();
    }

    private Tenant TenantOf(string key)
    {
        if (!_tenants.TryGetValue(key, out var tenant)) _tenants[key] = tenant = new Tenant(key);
        return tenant;
    }

    /// <summary>Drops a tenant's bookkeeping once it neither runs nor waits, so keys do not pile up.</summary>
    private void Forget(Tenant tenant)
    {
        if (tenant.Waiters.Count > 0) return;
        if (tenant.Turn is not null)
        {
            _turns.Remove(tenant.Turn);
            tenant.Turn = null;
        }
        if (tenant.Running == 0) _tenants.Remove(tenant.Key);
    }

    private sealed class Tenant(string key)
    {
        public string Key { get; } = key;
        public int Running;
        public readonly LinkedList<TaskCompletionSource> Waiters = new();
        public LinkedListNode<Tenant>? Turn;
    }
}
