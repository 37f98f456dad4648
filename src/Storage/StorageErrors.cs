using Azure;

namespace Gale.Storage;

/// <summary>
/// What a failed storage call means for Gale, read from the Azure SDK's <see cref="RequestFailedException"/>:
/// the stores turn these into the typed outcomes their callers handle (a lost race, a missing entity).
/// </summary>
public static class StorageErrors
{
    /// <summary>True for 404: the table, queue, container, entity, message or blob does not exist.</summary>
    public static bool IsNotFound(this RequestFailedException e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return e.Status == 404;
    }

    /// <summary>
    /// True for a lost optimistic-concurrency race: an If-Match ETag no longer matches (412), or an insert found the
    /// entity, blob or queue already there (409 <c>*AlreadyExists</c>).
    /// </summary>
    public static bool IsConflict(this RequestFailedException e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return e.Status == 412 || e.IsAlreadyExists();
    }

    /// <summary>True when the target of an insert or create-only upload already existed.</summary>
    public static bool IsAlreadyExists(this RequestFailedException e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return (e.Status == 409 && e.ErrorCode?.EndsWith("AlreadyExists", StringComparison.Ordinal) == true)
            || e.ErrorCode is "EntityAlreadyExists" or "BlobAlreadyExists";
    }
}
