using System.Net;
using System.Net.Sockets;
using HostingPanel.Web.Tests.Infrastructure;
using HostingPanel.Web.Tests.Portal;

namespace HostingPanel.Web.Tests.Accounts;

/// <summary>
/// The portal and API (no mail roles) with five failures per login and client address before the throttle, and a
/// high per-address limit, so tests can fail on purpose from one loopback address and sign in from another.
/// </summary>
public sealed class AccountsHostFixture : PanelHostFixture
{
    public const int FailuresPerPair = 5;

    protected override IEnumerable<KeyValuePair<string, string>> ExtraSettings() =>
        [.. base.ExtraSettings(), new("Mail:Auth:MaxFailuresPerAddress", FailuresPerPair.ToString()), new("Mail:Auth:MaxFailuresPerIp", "1000")];

    /// <summary>
    /// A browser-like client whose connections come from <paramref name="source"/> (127.0.0.2, 127.0.0.3, ...: on Linux
    /// every 127/8 address is local without configuration), so the server sees another client address.
    /// </summary>
    public HttpClient CreateClientFrom(string source, string? apiKey = null)
    {
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = true,
            ConnectCallback = async (context, ct) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                try
                {
                    socket.Bind(new IPEndPoint(IPAddress.Parse(source), 0));
                    await socket.ConnectAsync(context.DnsEndPoint, ct);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        var client = new HttpClient(handler) { BaseAddress = BaseAddress };
        if (apiKey is not null) client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", apiKey);
        return client;
    }

    public PortalSession AnonymousFrom(string source) => new(CreateClientFrom(source));
}
