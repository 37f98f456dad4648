using Azure;

namespace Gale.Storage;

/// <summary>
/// The one exception Gale's storage clients throw for a failed service call: it carries the HTTP status,
/// the service's error code and the request id that Azure support asks for.
/// </summary>
public class StorageException : RequestFailedException
{
    /// <summary>Creates an exception for a failed storage request.</summary>
    public StorageException(int status, string? errorCode, string? requestId, string message, Exception? innerException = null)
        : base(status, message, errorCode, innerException)
    {
        RequestId = requestId;
    }

    /// <summary>The service's <c>x-ms-request-id</c>, when the service answered.</summary>
    public string? RequestId { get; }

    /// <summary>For a failed entity group transaction: the zero-based index of the action the service rejected.</summary>
    public int? FailedActionIndex { get; init; }

    /// <summary>True for 404: the table, queue, container, entity, message or blob does not exist.</summary>
    public bool IsNotFound => Status == 404;
}

/// <summary>
/// A lost optimistic-concurrency race: an If-Match ETag no longer matches (HTTP 412), or an insert found the
/// entity or blob already there (HTTP 409 <c>*AlreadyExists</c>, or 412 for <c>If-None-Match: *</c>).
/// Callers reload and re-apply.
/// </summary>
public sealed class ConcurrencyConflictException : StorageException
{
    /// <summary>Creates a conflict exception.</summary>
    public ConcurrencyConflictException(int status, string? errorCode, string? requestId, string message)
        : base(status, errorCode, requestId, message)
    {
    }

    /// <summary>True when the target already existed (insert or create-only upload); false for an ETag mismatch.</summary>
    public bool AlreadyExists => Status == 409 || ErrorCode is "BlobAlreadyExists" or "EntityAlreadyExists";
}
