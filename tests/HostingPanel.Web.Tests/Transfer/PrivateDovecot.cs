using System.Diagnostics;
using System.Net.Sockets;
using HostingPanel.Testing;
using HostingPanel.Web.Tests.Infrastructure;

namespace HostingPanel.Web.Tests.Transfer;

/// <summary>
/// A private Dovecot (Debian's dovecot-imapd) started by the test on a free loopback port, with its own configuration,
/// users and Maildirs in a temporary directory; nothing touches /etc/dovecot or the standard ports (as bench/dovecot).
/// Mail is stored as the user "nobody". Skips (fails under HOSTINGPANEL_TESTS_MANDATORY=1) when Dovecot is absent.
/// </summary>
public sealed class PrivateDovecot : IAsyncDisposable
{
    private readonly Process _master;
    private readonly string _base;

    private PrivateDovecot(Process master, string @base, int port) { _master = master; _base = @base; Port = port; }

    public int Port { get; }

    public static async Task<PrivateDovecot> StartAsync(IEnumerable<(string User, string Password)> users)
    {
        var dovecot = TestEnvironment.RequireTool("dovecot", "dovecot-imapd");
        var @base = Path.Combine(Path.GetTempPath(), "hp-dovecot-" + Guid.NewGuid().ToString("N")[..8]);
        foreach (var dir in new[] { "run", "state", "log", "etc", "mail" }) Directory.CreateDirectory(Path.Combine(@base, dir));
        var port = ProductProcess.FreePort();
        await File.WriteAllTextAsync(Path.Combine(@base, "etc", "users"),
            string.Concat(users.Select(u => $"{u.User}:{{PLAIN}}{u.Password}:65534:65534::{@base}/mail/{u.User}::\n")));
        await File.WriteAllTextAsync(Path.Combine(@base, "etc", "dovecot.conf"), $$"""
            base_dir = {{@base}}/run
            state_dir = {{@base}}/state
            instance_name = hpmigrate-{{port}}
            log_path = {{@base}}/log/dovecot.log
            protocols = imap
            listen = 127.0.0.1
            ssl = no
            disable_plaintext_auth = no
            auth_mechanisms = plain login
            default_login_user = dovenull
            default_internal_user = dovecot
            first_valid_uid = 1
            passdb {
              driver = passwd-file
              args = username_format=%u {{@base}}/etc/users
            }
            userdb {
              driver = passwd-file
              args = username_format=%u {{@base}}/etc/users
            }
            mail_location = maildir:~/Maildir
            namespace inbox {
              inbox = yes
              separator = /
              mailbox "Sent Items" {
                special_use = \Sent
                auto = subscribe
              }
              mailbox Trash {
                special_use = \Trash
                auto = subscribe
              }
            }
            service imap-login {
              inet_listener imap {
                address = 127.0.0.1
                port = {{port}}
              }
              inet_listener imaps {
                port = 0
              }
            }
            service auth {
              unix_listener auth-userdb {
                mode = 0666
              }
            }
            """);
        Run("chmod", "-R", "755", @base);
        Run("chown", "-R", "nobody:nogroup", Path.Combine(@base, "mail"));
        Run("chmod", "644", Path.Combine(@base, "etc", "users"));

        var master = Process.Start(new ProcessStartInfo(dovecot, ["-F", "-c", Path.Combine(@base, "etc", "dovecot.conf")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var server = new PrivateDovecot(master, @base, port);
        var sw = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync("127.0.0.1", port);
                return server;
            }
            catch (SocketException) when (sw.Elapsed < TimeSpan.FromSeconds(30) && !master.HasExited)
            {
                await Task.Delay(100);
            }
            catch (SocketException)
            {
                var log = File.Exists(Path.Combine(@base, "log", "dovecot.log")) ? await File.ReadAllTextAsync(Path.Combine(@base, "log", "dovecot.log")) : "";
                await server.DisposeAsync();
                throw new InvalidOperationException($"Dovecot did not start: {await master.StandardError.ReadToEndAsync()} {log}");
            }
        }
    }

    private static void Run(string file, params string[] args)
    {
        using var p = Process.Start(new ProcessStartInfo(file, args) { RedirectStandardError = true })!;
        p.WaitForExit();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_master.HasExited)
        {
            // The master stops its children on SIGTERM (Process.Kill would leave them running).
            Run("kill", "-TERM", _master.Id.ToString());
            if (!_master.WaitForExit(10_000)) _master.Kill(entireProcessTree: true);
        }
        _master.Dispose();
        await Task.Yield();
        try { Directory.Delete(_base, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
