namespace Dispatch.Abstractions;

/// <summary>
/// The store a grain stands on is unavailable (no connection, a timeout, a server still loading its data or out
/// of memory): the call may be sent again, and nothing of it was acknowledged. Crosses from silo to client as
/// itself, so callers recognise an outage by its type.
/// </summary>
[GenerateSerializer, Alias("Dispatch.StoreUnavailableException")]
public sealed class StoreUnavailableException : Exception
{
    public StoreUnavailableException() { }

    public StoreUnavailableException(string message)
        : base(message) { }

    public StoreUnavailableException(string message, Exception inner)
        : base(message, inner) { }
}
