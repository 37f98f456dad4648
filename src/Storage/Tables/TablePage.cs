namespace Gale.Storage.Tables;

/// <summary>One page of query results and the token that continues the query, or null on the last page.</summary>
public sealed record TablePage(IReadOnlyList<TableEntity> Items, string? ContinuationToken);
