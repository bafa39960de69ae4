namespace Multiproc.Ipc;

/// <summary>One value to and from its wire bytes, for items stored serialized (a queue's, for one).</summary>
internal static class Serializer
{
    /// <exception cref="MpSerializationException">The value cannot cross; nothing was written anywhere.</exception>
    public static byte[] Write(object? value) => Write(value, out _);

    /// <param name="holdsHandle">It holds a shared object's handle, which is good on this machine only.</param>
    /// <exception cref="MpSerializationException">The value cannot cross; nothing was written anywhere.</exception>
    public static byte[] Write(object? value, out bool holdsHandle)
    {
        var w = SpareWriter.Rent();
        try
        {
            w.WriteValue(value);
            holdsHandle = w.WroteHandle;
            return w.ToArray();
        }
        finally { SpareWriter.Return(w); }
    }

    public static object? Read(byte[] bytes) => new WireReader(bytes).ReadValue();
}
