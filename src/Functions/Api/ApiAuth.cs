namespace Gale.Functions.Api;

/// <summary>Checks the caller's API key on every <c>/api/v1</c> endpoint but health and version; read-only keys may only GET.</summary>
internal static class ApiAuth
{
    public static RouteGroupBuilder RequireApiKey(this RouteGroupBuilder group, ApiKeys keys) =>
        group.AddEndpointFilter(async (context, next) =>
        {
            var request = context.HttpContext.Request;
            if (!keys.Any)
            {
                return Problems.Unauthorized($"The API is closed: no API keys are configured (set {ApiKeys.SettingName}).");
            }

            var role = keys.RoleOf(request.Headers[ApiKeys.Header].FirstOrDefault());
            if (role is null)
            {
                return Problems.Unauthorized($"Send a valid API key in the {ApiKeys.Header} header.");
            }

            if (role == ApiRole.ReadOnly && !HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method))
            {
                return Problems.Forbidden("This API key is read-only.");
            }

            return await next(context);
        });
}
