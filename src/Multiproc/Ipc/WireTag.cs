namespace Multiproc.Ipc;

/// <summary>The first byte of every serialized value. Wire format: append, never renumber.</summary>
internal enum WireTag : byte
{
    Null = 0, False = 1, True = 2,
    Byte = 3, SByte = 4, Int16 = 5, UInt16 = 6, Int32 = 7, UInt32 = 8, Int64 = 9, UInt64 = 10,
    Single = 11, Double = 12, Decimal = 13, Char = 14, String = 15,
    DateTime = 16, TimeSpan = 17, Guid = 18, Bytes = 19,
    ObjectArray = 20, TypedArray = 21, List = 22, Hashtable = 23, Ordered = 24,
    CustomObject = 25, ScriptBlock = 26,
    /// <summary>Anything else, as CliXml: arrives as a deserialized property bag, as with Start-Job.</summary>
    CliXml = 27,
    /// <summary>A live handle to a shared object (queue, pipe end, lock, ...): see <see cref="SharedHandles"/>.</summary>
    Handle = 28,
    /// <summary>A file or directory: its path, arriving live (see <see cref="FileSystemItems"/>).</summary>
    FileSystemItem = 29,
}
