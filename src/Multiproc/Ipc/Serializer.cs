namespace Multiproc.Ipc;

/// <summary>One value to and from its wire bytes, for items stored serialized (a queue's, for one).</summary>
internal static class Serializer
{
    [System.ThreadStatic] private static WireWriter? t_writer;

    /// <exception cref="MpSerializationException">The value cannot cross; nothing was written anywhere.</exception>
    public static byte[] Write(object? value)
    {
        var w = t_writer ??= new WireWriter(256);
        w.Clear();
        w.WriteValue(value);
        return w.ToArray();
    }

    public static object? Read(byte[] bytes) => new WireReader(bytes).ReadValue();
}
