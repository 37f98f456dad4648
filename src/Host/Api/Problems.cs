namespace Gale.Host.Api;

/// <summary>Errors as RFC 7807 problem JSON (<c>type</c>, <c>title</c>, <c>status</c>, <c>detail</c>), as Airflow's API returns them.</summary>
internal static class Problems
{
    public static IResult Of(int status, string title, string detail) => Results.Json(
        new Dictionary<string, object> { ["type"] = $"https://httpstatuses.io/{status}", ["title"] = title, ["status"] = status, ["detail"] = detail },
        statusCode: status,
        contentType: "application/problem+json");

    public static IResult BadRequest(string detail) => Of(StatusCodes.Status400BadRequest, "Bad Request", detail);

    public static IResult NotFound(string detail) => Of(StatusCodes.Status404NotFound, "Not Found", detail);

    public static IResult Conflict(string detail) => Of(StatusCodes.Status409Conflict, "Conflict", detail);

    public static IResult Unauthorized(string detail) => Of(StatusCodes.Status401Unauthorized, "Unauthorized", detail);

    public static IResult Forbidden(string detail) => Of(StatusCodes.Status403Forbidden, "Forbidden", detail);
}

/// <summary>limit/offset paging with Airflow's defaults (limit 100) and a hard cap.</summary>
internal static class Paging
{
    public const int DefaultLimit = 100;

    public const int MaxLimit = 1000;

    /// <summary>The page, or a 400 problem naming the bad parameter.</summary>
    public static (int Limit, int Offset, IResult? Error) Read(HttpRequest request)
    {
        var limit = DefaultLimit;
        var offset = 0;
        if (request.Query.TryGetValue("limit", out var l) && (!int.TryParse(l, out limit) || limit < 1 || limit > MaxLimit))
        {
            return (0, 0, Problems.BadRequest($"limit: '{l}' must be a whole number from 1 to {MaxLimit}."));
        }

        if (request.Query.TryGetValue("offset", out var o) && (!int.TryParse(o, out offset) || offset < 0))
        {
            return (0, 0, Problems.BadRequest($"offset: '{o}' must be a whole number of 0 or more."));
        }

        return (limit, offset, null);
    }
}
