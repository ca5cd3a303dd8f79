using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace HostingPanel.Web.Api;

/// <summary>The OpenAPI document at /openapi/v1.json: the /api/v1 endpoints only, with the bearer scheme and the error model.</summary>
public static class ApiOpenApi
{
    public static IServiceCollection AddApiOpenApi(this IServiceCollection services) =>
        services.AddOpenApi("v1", o =>
        {
            o.ShouldInclude = d => d.RelativePath?.StartsWith("api/v1", StringComparison.Ordinal) == true;
            o.AddDocumentTransformer(Describe);
            o.AddOperationTransformer(DescribeParameters);
            o.AddSchemaTransformer(MarkRequired);
        });

    private static readonly Dictionary<string, string> ParameterDocs = new()
    {
        ["page"] = "Page number, from 1 (default 1).",
        ["pageSize"] = $"Items per page, 1 to {Application.Common.PageRequest.MaxPageSize} (default 50).",
        ["search"] = "Case-insensitive text to look for (at most 200 characters).",
        ["domain"] = "The domain name, in Unicode or A-label (xn--) form.",
        ["localPart"] = "The part of the address before the @; for aliases, * is the catch-all.",
        ["id"] = "The id (a GUID).",
        ["customerId"] = "Only this customer's domains.",
        ["resellerId"] = "Only this reseller's customers.",
    };

    /// <summary>What a client must send; the validators enforce it (with field messages), this only documents it.</summary>
    private static readonly Dictionary<Type, string[]> RequiredFields = new()
    {
        [typeof(Application.Resellers.CreateResellerInput)] = ["name", "email", "password", "limits"],
        [typeof(Application.Resellers.PoolLimitsInput)] = ["maxCustomers", "maxDomains", "maxMailboxes", "diskQuotaMb"],
        [typeof(Application.Customers.CreateCustomerInput)] = ["name", "email", "password", "limits"],
        [typeof(Application.Customers.PlanLimitsInput)] = ["maxDomains", "maxMailboxes", "diskQuotaMb"],
        [typeof(Application.Domains.CreateDomainInput)] = ["name"],
        // quotaMb may be left out: the mailbox then gets the domain's proposal (issue 19 item 7).
        [typeof(Application.Mailboxes.CreateMailboxInput)] = ["localPart", "password"],
        [typeof(Application.Aliases.CreateAliasInput)] = ["localPart", "destinations"],
        [typeof(Application.Aliases.ReplaceDestinationsInput)] = ["destinations"],
        [typeof(Application.ApiKeys.CreateApiKeyInput)] = ["name"],
    };

    private static Task DescribeParameters(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        foreach (var parameter in operation.Parameters ?? [])
            if (parameter is OpenApiParameter p && p.Description is null && p.Name is { } name && ParameterDocs.TryGetValue(name, out var doc))
                p.Description = doc;
        return Task.CompletedTask;
    }

    private static Task MarkRequired(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken ct)
    {
        if (RequiredFields.TryGetValue(context.JsonTypeInfo.Type, out var names)) schema.Required = new HashSet<string>(names);
        return Task.CompletedTask;
    }

    private static Task Describe(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken ct)
    {
        document.Info = new OpenApiInfo
        {
            Title = "HostingPanel API",
            Version = "v1",
            Description = """
                REST API for automation: resellers' billing systems, scripts and tests. JSON, camelCase; enums are camelCase strings.

                **Authentication**: `Authorization: Bearer <api key>`. A key carries its user's role and scope (admin, support, reseller, customer); anything outside that scope answers 404. Keys are created in the portal or with `POST /api/v1/apikeys`, shown once, and revocable.

                **Errors** are `application/problem+json` (RFC 9457): 400 with `errors` per field (the portal's messages), 401 without a valid key, 404 outside your scope, 409 for duplicates, 413 for bodies over 1 MiB, 415 for a body that is not JSON, 422 when a plan or pool limit would be exceeded (the message names the limit and what is left), 429 over the rate limit (see `Retry-After`).

                **Status**: every entity has `status`: `pending` (saved, not yet in the mail engine), `active`, `failed` (with `statusDetail`), `suspended`, `deleting`. Changes return at once with `pending`; the provisioning worker applies them.

                **Lists** take `page` (from 1), `pageSize` (1 to 500, default 50) and `search`, and answer `{items, total, page, pageSize}` in a stable order.
                """,
        };
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes["ApiKey"] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "An API key as `Authorization: Bearer <key>`.",
        };
        document.Security ??= [];
        document.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("ApiKey", document)] = [] });
        return Task.CompletedTask;
    }
}
