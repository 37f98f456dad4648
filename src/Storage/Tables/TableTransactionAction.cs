using Azure;

namespace Gale.Storage.Tables;

/// <summary>The kind of one operation inside an entity group transaction.</summary>
public enum TableTransactionActionType
{
    /// <summary>Insert; fails when the entity exists.</summary>
    Add,

    /// <summary>Merge into an existing entity (If-Match: the action's ETag, or any).</summary>
    UpdateMerge,

    /// <summary>Replace an existing entity (If-Match: the action's ETag, or any).</summary>
    UpdateReplace,

    /// <summary>Delete an existing entity (If-Match: the action's ETag, or any).</summary>
    Delete,

    /// <summary>Insert or merge.</summary>
    UpsertMerge,

    /// <summary>Insert or replace.</summary>
    UpsertReplace,
}

/// <summary>One operation of an entity group transaction. <paramref name="ETag"/> defaults to the entity's ETag, then to any.</summary>
public sealed record TableTransactionAction(TableTransactionActionType ActionType, TableEntity Entity, ETag ETag = default);
