using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Collections;
using System.Collections.Generic;
using System.Collections.Specialized;
using System.Management.Automation;
using System.Text;

namespace Multiproc.Ipc;

/// <summary>Serializes values into a growable buffer: the typed fast path, CliXml only where needed.</summary>
/// <remarks>
/// Primitives, strings, dates, guids, byte arrays, arrays, lists, hashtables, ordered dictionaries,
/// PSCustomObjects and scriptblocks keep their types and nesting; shared objects travel as handles, files
/// and directories as paths (<see cref="FileSystemItems"/>); anything else goes as CliXml at
/// <see cref="MpSettings.SerializationDepth"/>.
/// </remarks>
internal sealed class WireWriter
{
    private const int MaxNesting = 100;
    private readonly ArrayBufferWriter<byte> _buffer;

    public WireWriter(int capacity = 256) => _buffer = new ArrayBufferWriter<byte>(capacity);

    public ReadOnlySpan<byte> WrittenSpan => _buffer.WrittenSpan;

    public void Clear()
    {
        _buffer.Clear();
        WroteHandle = false;
    }

    /// <summary>A shared object's handle was written since it was made or cleared: what it holds is good on this machine only.</summary>
    public bool WroteHandle { get; private set; }

    public int Length => _buffer.WrittenCount;

    /// <summary>The bytes it holds room for, written or not.</summary>
    public int Capacity => _buffer.Capacity;

    public byte[] ToArray() => _buffer.WrittenSpan.ToArray();

    public void WriteByte(byte value)
    {
        _buffer.GetSpan(1)[0] = value;
        _buffer.Advance(1);
    }

    public void WriteBool(bool value) => WriteByte(value ? (byte)1 : (byte)0);

    public void WriteInt32(int value)
    {
        BinaryPrimitives.WriteInt32LittleEndian(_buffer.GetSpan(4), value);
        _buffer.Advance(4);
    }

    public void WriteInt64(long value)
    {
        BinaryPrimitives.WriteInt64LittleEndian(_buffer.GetSpan(8), value);
        _buffer.Advance(8);
    }

    public void WriteDouble(double value) => WriteInt64(BitConverter.DoubleToInt64Bits(value));

    public void WriteString(string value)
    {
        int max = Encoding.UTF8.GetMaxByteCount(value.Length);
        var span = _buffer.GetSpan(max + 4);
        int n = Encoding.UTF8.GetBytes(value, span[4..]);
        BinaryPrimitives.WriteInt32LittleEndian(span, n);
        _buffer.Advance(n + 4);
    }

    /// <summary>Writes bytes as they are, without a length: for a body that is nothing else.</summary>
    public void WriteRaw(ReadOnlySpan<byte> value)
    {
        value.CopyTo(_buffer.GetSpan(value.Length));
        _buffer.Advance(value.Length);
    }

    public void WriteBytes(ReadOnlySpan<byte> value)
    {
        WriteInt32(value.Length);
        value.CopyTo(_buffer.GetSpan(value.Length));
        _buffer.Advance(value.Length);
    }

    /// <summary>Writes any value; throws <see cref="MpSerializationException"/> naming the type that failed.</summary>
    /// <remarks>The size limit applies to everything written so far: the value that crosses it is the one named.</remarks>
    public void WriteValue(object? value)
    {
        try
        {
            WriteValue(value, 0);
        }
        catch (Exception e)
        {
            throw new MpSerializationException(
                $"A value of type [{TypeName(value)}] cannot be sent to another process: {e.Message}", value, e);
        }
        if (_buffer.WrittenCount > MpSettings.MaxMessageBytes)
            throw new MpSerializationException(
                $"A value of type [{TypeName(value)}] serializes to {_buffer.WrittenCount:N0} bytes, more than the " +
                $"limit of {MpSettings.MaxMessageBytes:N0} ([Multiproc.MpSettings]::MaxMessageBytes). " +
                "Send it in smaller parts.", value);
    }

    private static string TypeName(object? value) =>
        (value is PSObject p ? p.BaseObject : value)?.GetType().FullName ?? "null";

    private void Tag(WireTag tag) => WriteByte((byte)tag);

    private void WriteValue(object? value, int nesting)
    {
        if (nesting > MaxNesting)
            throw new InvalidOperationException($"it is nested more than {MaxNesting} levels deep (does it contain itself?).");
        object? raw = value is PSObject pso && pso.BaseObject is not PSCustomObject ? pso.BaseObject : value;
        switch (raw)
        {
            case null: Tag(WireTag.Null); return;
            case bool b: Tag(b ? WireTag.True : WireTag.False); return;
            case int i: Tag(WireTag.Int32); WriteInt32(i); return;
            case string s: Tag(WireTag.String); WriteString(s); return;
            case long l: Tag(WireTag.Int64); WriteInt64(l); return;
            case double d: Tag(WireTag.Double); WriteDouble(d); return;
            case byte u8: Tag(WireTag.Byte); WriteByte(u8); return;
            case sbyte i8: Tag(WireTag.SByte); WriteByte((byte)i8); return;
            case short i16: Tag(WireTag.Int16); WriteInt32(i16); return;
            case ushort u16: Tag(WireTag.UInt16); WriteInt32(u16); return;
            case uint u32: Tag(WireTag.UInt32); WriteInt32((int)u32); return;
            case ulong u64: Tag(WireTag.UInt64); WriteInt64((long)u64); return;
            case float f: Tag(WireTag.Single); WriteInt32(BitConverter.SingleToInt32Bits(f)); return;
            case decimal m: Tag(WireTag.Decimal); WriteDecimal(m); return;
            case char c: Tag(WireTag.Char); WriteInt32(c); return;
            case DateTime t: Tag(WireTag.DateTime); WriteInt64(t.ToBinary()); return;
            case TimeSpan ts: Tag(WireTag.TimeSpan); WriteInt64(ts.Ticks); return;
            case Guid g: Tag(WireTag.Guid); g.TryWriteBytes(_buffer.GetSpan(16)); _buffer.Advance(16); return;
            case byte[] bytes: Tag(WireTag.Bytes); WriteBytes(bytes); return;
            case ScriptBlock sb: Tag(WireTag.ScriptBlock); WriteString(sb.ToString()); return;
            case ISharedHandle h: WroteHandle = true; Tag(WireTag.Handle); WriteString(h.HandleKind); h.WriteHandle(this); return;
            case System.IO.FileSystemInfo item: Tag(WireTag.FileSystemItem); FileSystemItems.Write(this, item, value as PSObject); return;
            case PSObject custom: WriteCustomObject(custom, nesting); return;
            case Array array: WriteArray(array, nesting); return;
            case OrderedDictionary od: Tag(WireTag.Ordered); WriteDictionary(od, nesting); return;
            case IDictionary dict: Tag(WireTag.Hashtable); WriteDictionary(dict, nesting); return;
            case IList list: Tag(WireTag.List); WriteItems(list, list.Count, nesting); return;
            default: Tag(WireTag.CliXml); WriteString(PSSerializer.Serialize(value, MpSettings.SerializationDepth)); return;
        }
    }

    private void WriteDecimal(decimal m)
    {
        Span<int> bits = stackalloc int[4];
        decimal.GetBits(m, bits);
        foreach (var part in bits) WriteInt32(part);
    }

    private void WriteArray(Array array, int nesting)
    {
        var elementTag = WireReader.TagOf(array.GetType().GetElementType()!);
        if (array.Rank != 1 || elementTag is null)
        {
            Tag(WireTag.ObjectArray);
        }
        else
        {
            Tag(WireTag.TypedArray);
            WriteByte((byte)elementTag.Value);
        }
        WriteItems(array, array.Length, nesting);
    }

    private void WriteItems(IEnumerable items, int count, int nesting)
    {
        WriteInt32(count);
        int written = 0;
        foreach (var item in items)
        {
            WriteValue(item, nesting + 1);
            written++;
        }
        if (written != count)
            throw new InvalidOperationException("a collection in it changed while it was being sent.");
    }

    /// <summary>
    /// Writes a hashtable's entries in key order, at every level: the same value gives the same bytes in
    /// every process (a hashtable enumerates in an order its process's string hashing picks). For hashes.
    /// </summary>
    public bool Canonical { get; init; }

    private void WriteDictionary(IDictionary dict, int nesting)
    {
        WriteInt32(dict.Count);
        IEnumerable entries = dict;
        if (Canonical && dict is not OrderedDictionary)
        {
            var sorted = new List<DictionaryEntry>(dict.Count);
            foreach (DictionaryEntry entry in dict) sorted.Add(entry);
            sorted.Sort((a, b) => string.CompareOrdinal(a.Key?.ToString(), b.Key?.ToString()));
            entries = sorted;
        }
        foreach (DictionaryEntry entry in entries)
        {
            WriteValue(entry.Key, nesting + 1);
            WriteValue(entry.Value, nesting + 1);
        }
    }

    private void WriteCustomObject(PSObject obj, int nesting)
    {
        Tag(WireTag.CustomObject);
        var typeNames = obj.TypeNames;
        bool plain = typeNames.Count == 2 && typeNames[0] == typeof(PSCustomObject).FullName;
        WriteInt32(plain ? 0 : typeNames.Count);
        if (!plain)
            foreach (var name in typeNames) WriteString(name);
        var properties = obj.Properties;
        int count = 0;
        foreach (var _ in properties) count++;
        WriteInt32(count);
        foreach (var property in properties)
        {
            WriteString(property.Name);
            object? propertyValue;
            try { propertyValue = property.Value; }
            catch (GetValueException) { propertyValue = null; }
            WriteValue(propertyValue, nesting + 1);
        }
    }
}
