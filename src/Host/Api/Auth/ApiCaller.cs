namespace Gale.Host.Api.Auth;

/// <summary>Who called the API and what they may do, as the auth filter decided it (for auditing).</summary>
/// <param name="Scheme">How the caller proved who they are: <see cref="EntraScheme"/>, <see cref="ApiKeyScheme"/> or <see cref="FunctionKeyScheme"/>.</param>
/// <param name="Role">What the caller may do.</param>
/// <param name="Identity">For tokens the caller's <c>preferred_username</c>, else its application id, else its object id; otherwise the scheme.</param>
public sealed record ApiCaller(string Scheme, ApiRole Role, string Identity)
{
    /// <summary>An Entra ID bearer token.</summary>
    public const string EntraScheme = "entra-id";

    /// <summary>A key from <c>GALE_API_KEYS</c>.</summary>
    public const string ApiKeyScheme = "api-key";

    /// <summary>A function key the Functions host checked.</summary>
    public const string FunctionKeyScheme = "function-key";

    /// <summary>The token's <c>oid</c> (the user's or service principal's object id), when a token was used.</summary>
    public string? ObjectId { get; init; }

    /// <summary>The token's <c>preferred_username</c> (users), when present.</summary>
    public string? UserName { get; init; }

    /// <summary>The token's <c>azp</c> (v2) or <c>appid</c> (v1): the client application, when present.</summary>
    public string? AppId { get; init; }

    /// <summary>The caller the auth filter admitted for <paramref name="context"/>, or null (open endpoints such as health).</summary>
    public static ApiCaller? Of(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Items.TryGetValue(typeof(ApiCaller), out var caller) ? caller as ApiCaller : null;
    }

    internal void AttachTo(HttpContext context) => context.Items[typeof(ApiCaller)] = this;
}
