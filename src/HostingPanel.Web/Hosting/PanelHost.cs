using Microsoft.AspNetCore.Mvc;
using FluentValidation;
using Microsoft.AspNetCore.DataProtection;
using HostingPanel.Application;
using HostingPanel.Application.Common;
using HostingPanel.Data;
using HostingPanel.Data.Identity;
using HostingPanel.Web.Api;
using HostingPanel.Web.Hosting.Acme;
using HostingPanel.Web.Features;
using HostingPanel.Web.Hosting.Health;
using HostingPanel.Web.Hosting.Metrics;
using HostingPanel.Web.Webmail;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Authorization;
using Microsoft.AspNetCore.Mvc.Razor;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace HostingPanel.Web.Hosting;

/// <summary>The composition root: one process hosting the portal, the REST API, the worker and the mail engine.</summary>
public static class PanelHost
{
    public const string DefaultUrl = "http://127.0.0.1:5080";

    /// <param name="configure">Runs before the application's registrations (configuration sources, logging).</param>
    /// <param name="overrideServices">Runs after them, so tests can decorate a service (fault injection).</param>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null, Action<IServiceCollection>? overrideServices = null)
    {
        var builder = CreateBuilder(args);
        configure?.Invoke(builder);
        // Connection limits per client address and in total, and their share of the open-files budget.
        HttpConnectionLimits.Apply(builder);

        var settings = PanelSettings.Read(builder.Configuration, builder.Environment.ContentRootPath);
        // A mistyped Mail:MtaSts:Mode stops start-up here, not at the first request that reads it.
        Features.Domains.MtaStsPolicy.Read(builder.Configuration);
        // Every part of the process (the engine too) resolves the data directory the same way.
        builder.Configuration["Storage:DataDirectory"] = settings.DataDirectory;
        AddPanelServices(builder.Services, builder.Configuration, settings);
        overrideServices?.Invoke(builder.Services);
        return builder.Build().ConfigurePipeline();
    }

    /// <summary>The host itself: web root, default URL, Kestrel's TLS versions and the log filters.</summary>
    private static WebApplicationBuilder CreateBuilder(string[] args)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            // Tests host this same application from another entry assembly; controllers and views live here.
            ApplicationName = typeof(PanelHost).Assembly.GetName().Name,
            // The web root is the repository's wwwroot, copied next to the binaries (see docs/platform-notes.md).
            WebRootPath = Path.Combine(AppContext.BaseDirectory, "wwwroot"),
        });
        if (string.IsNullOrEmpty(builder.Configuration["Urls"]) && string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_URLS"]))
            builder.WebHost.UseUrls(DefaultUrl);
        // When the portal serves HTTPS itself (a Kestrel endpoint with a certificate): TLS 1.2 and 1.3 only, as the mail listeners.
        builder.WebHost.ConfigureKestrel(k => k.ConfigureHttpsDefaults(h =>
            h.SslProtocols = System.Security.Authentication.SslProtocols.Tls12 | System.Security.Authentication.SslProtocols.Tls13));
        // Start-up failures are printed by Program as one line; the host's own error log would repeat them with a stack trace.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
        builder.Logging.AddFilter("Microsoft.AspNetCore.DataProtection", LogLevel.Error);
        // Every SQL command at Information would bury the start-up banner; EF's warnings and errors still show.
        builder.Logging.AddFilter("Microsoft.EntityFrameworkCore", LogLevel.Warning);
        // Logging:Format=json: one JSON object per line, with scopes, so every line of a request carries its RequestId and TraceId.
        if (string.Equals(builder.Configuration["Logging:Format"], "json", StringComparison.OrdinalIgnoreCase))
        {
            builder.Logging.ClearProviders();
            builder.Logging.AddJsonConsole(o => { o.IncludeScopes = true; o.UseUtcTimestamp = true; o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ"; });
        }
        Acme.AcmeSetup.ConfigureKestrel(builder);
        return builder;
    }

    /// <summary>Every role's services, registered per role (<see cref="PanelSettings.Roles"/>).</summary>
    private static void AddPanelServices(IServiceCollection services, IConfiguration configuration, PanelSettings settings)
    {
        services.AddSingleton(settings);
        services.AddHttpContextAccessor();
        services.AddTrustedProxies(configuration);
        // Cookie and antiforgery keys survive restarts, so people stay signed in.
        services.AddDataProtection().PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(settings.DataDirectory, "keys")));
        services.AddScoped<HttpActorAccessor>();
        services.AddScoped<IActorAccessor>(sp => sp.GetRequiredService<HttpActorAccessor>());
        services.AddScoped<ITenantScopeAccessor>(sp => sp.GetRequiredService<HttpActorAccessor>());
        services.AddScoped<IActorOverride>(sp => sp.GetRequiredService<HttpActorAccessor>());
        services.AddPanelDatabase(settings);
        services.AddPanelApplication();
        services.AddScoped<Bootstrapper>();
        services.AddScoped<HostingPanel.Web.Features.Account.PortalSignIn>();
        services.AddScoped<HostingPanel.Web.Features.Account.OwnPasswordChange>();
        services.AddSingleton<HostingPanel.Web.Features.PasswordReset.ResetLinkBase>();
        services.AddValidatorsFromAssemblyContaining<HostingPanel.Web.Features.Account.LoginFormValidator>(ServiceLifetime.Singleton);
        services.AddPortalSignIn();
        services.AddPortalMvc();
        services.AddProblemDetails();
        services.AddMailRoles(configuration, settings);
        services.AddPortal();
        services.AddWebmail(configuration);
        services.AddPanelApi();
        services.AddPanelHealth(configuration, settings);
        services.AddPanelMetrics(configuration);
        services.AddAcme(configuration, settings);
    }

    /// <summary>Portal logins: Identity with its password and lockout rules, the session cookie, and API keys.</summary>
    private static void AddPortalSignIn(this IServiceCollection services)
    {
        services.AddIdentity<AppUser, IdentityRole>(o =>
            {
                o.Password.RequiredLength = ValidationRules.MinPasswordLength;
                o.Password.RequireDigit = o.Password.RequireLowercase = o.Password.RequireUppercase = o.Password.RequireNonAlphanumeric = false;
                o.Lockout.MaxFailedAccessAttempts = 5;
                o.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(15);
                o.Lockout.AllowedForNewUsers = true;
                o.User.RequireUniqueEmail = true;
            })
            .AddEntityFrameworkStores<HostingPanelDbContext>()
            .AddClaimsPrincipalFactory<PanelClaimsFactory>()
            .AddDefaultTokenProviders();
        services.ConfigureApplicationCookie(o =>
        {
            o.LoginPath = "/account/login";
            o.LogoutPath = "/account/logout";
            o.AccessDeniedPath = "/account/login";
            o.Cookie.Name = "hp.auth";
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Lax;
            // Secure whenever the request is HTTPS; the default run is plain http on loopback.
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            o.SlidingExpiration = true;
            PortalSessionCheck.AddTo(o);
        });
        services.Configure<SecurityStampValidatorOptions>(o => o.OnRefreshingPrincipal = PortalSessionCheck.KeepSessionIdAsync);
        services.AddMemoryCache();
        services.AddAuthentication()
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
    }

    /// <summary>The portal's MVC: every page needs a signed-in user and an antiforgery token unless it says otherwise; views live in feature folders.</summary>
    private static void AddPortalMvc(this IServiceCollection services)
    {
        services.AddControllersWithViews(o =>
            {
                // Every portal page needs a signed-in user unless it says [AllowAnonymous].
                o.Filters.Add(new AuthorizeFilter(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build()));
                o.Filters.Add(new AutoValidateAntiforgeryTokenAttribute());
                o.Filters.Add(new PasswordChangeRequiredFilter());
            })
            .AddRazorOptions(o =>
            {
                o.ViewLocationFormats.Clear();
                o.ViewLocationFormats.Add("/Features/{1}/{0}" + RazorViewEngine.ViewExtension);
                o.ViewLocationFormats.Add("/Features/Shared/{0}" + RazorViewEngine.ViewExtension);
            });
        services.AddAntiforgery(o =>
        {
            o.Cookie.HttpOnly = true;
            o.Cookie.SameSite = SameSiteMode.Lax;
            o.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        });
    }

    private static WebApplication ConfigurePipeline(this WebApplication app)
    {
        app.UseTrustedProxies(app.Configuration); // first: everything after sees the client's address (from trusted proxies only)
        app.UseSecurityHeaders();
        app.UseExceptionHandler("/error");
        app.UseStatusCodePages();
        app.UseStaticFiles();
        app.UseRouting();
        app.UseAuthentication();
        app.UseUserLanguageAndTime();
        app.UseAuthorization();
        app.MapControllers();
        app.MapPanelApi();
        app.MapPanelHealth();
        app.MapPanelMetrics();
        Acme.AcmeChallenges.Map(app);
        return app;
    }

    /// <summary>Prepares the database and starts listening; prints where, and the first admin's login.</summary>
    public static async Task StartAsync(WebApplication app, CancellationToken ct = default)
    {
        string? generatedPassword;
        using (var scope = app.Services.CreateScope())
            generatedPassword = await scope.ServiceProvider.GetRequiredService<Bootstrapper>().RunAsync(ct);

        await app.StartAsync(ct);
        StartupBanner.Print(app, generatedPassword);
    }
}
