namespace Gale.Storage.Queues;

/// <summary>How message text is put on the wire.</summary>
public enum QueueMessageEncoding
{
    /// <summary>Text is sent as is; it must be valid in XML.</summary>
    None,

    /// <summary>UTF-8 bytes are base64-encoded (what the Functions host's queue trigger expects by default).</summary>
    Base64,
}
