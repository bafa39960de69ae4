using System;

namespace Multiproc.Ipc;

/// <summary>A <see cref="WireWriter"/> kept per thread for the messages it builds, rented rather than shared.</summary>
/// <remarks>
/// Writing a value can run the user's code (a ScriptProperty read while an object is serialized), and that
/// code may send a message of its own on the same thread, which then gets a writer of its own instead of
/// clearing the one half written (a shared dictionary once stored such an object under the wrong key).
/// </remarks>
internal static class SpareWriter
{
    [ThreadStatic] private static WireWriter? t_spare;

    /// <summary>
    /// The largest buffer kept for the next message, here and in a connection's writer: one large message
    /// must not pin its size for the life of the thread (a 100M-character string once held ~300 MB, issue 19).
    /// </summary>
    public const int MaxKeptBytes = 1 << 20;

    /// <summary>The thread's spare, emptied, or a new writer while the spare is out.</summary>
    public static WireWriter Rent()
    {
        var writer = t_spare;
        if (writer is null) return new WireWriter(256);
        t_spare = null;
        writer.Clear();
        return writer;
    }

    /// <summary>Keeps <paramref name="writer"/> as the thread's spare; its bytes must not be used after.</summary>
    public static void Return(WireWriter writer) => t_spare = writer.Capacity <= MaxKeptBytes ? writer : null;
}
