namespace Gale.Storage.Tables;

/// <summary>How an update or upsert treats properties already stored on the entity.</summary>
public enum TableUpdateMode
{
    /// <summary>Keep stored properties that the new entity does not mention.</summary>
    Merge,

    /// <summary>Replace the whole entity: stored properties the new entity does not mention are removed.</summary>
    Replace,
}
