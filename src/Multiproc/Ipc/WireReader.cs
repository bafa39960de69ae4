using System;
using System.Buffers.Binary;
using System.Collections;
using System.Collections.Specialized;
using System.IO;
using System.Management.Automation;
using System.Text;

namespace Multiproc.Ipc;

/// <summary>Reads what <see cref="WireWriter"/> wrote.</summary>
internal sealed class WireReader
{
    private readonly byte[] _data;
    private int _position;

    public WireReader(byte[] data) => _data = data;

    public WireReader(byte[] data, int position) : this(data) => _position = position;

    /// <summary>Everything not read yet, as a copy.</summary>
    public byte[] ReadRest() => Take(_data.Length - _position).ToArray();

    public bool AtEnd => _position >= _data.Length;

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count < 0 || _position + count > _data.Length)
            throw new InvalidDataException("A message ended before its last value.");
        var span = _data.AsSpan(_position, count);
        _position += count;
        return span;
    }

    public byte ReadByte() => Take(1)[0];
    public byte PeekByte() => _position < _data.Length ? _data[_position] : throw new InvalidDataException("A message ended before its last value.");
    public bool ReadBool() => ReadByte() != 0;
    public int ReadInt32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));
    public long ReadInt64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));
    public double ReadDouble() => BitConverter.Int64BitsToDouble(ReadInt64());
    public string ReadString() => Encoding.UTF8.GetString(Take(ReadInt32()));
    public byte[] ReadBytes() => Take(ReadInt32()).ToArray();

    public object? ReadValue()
    {
        var tag = (WireTag)ReadByte();
        switch (tag)
        {
            case WireTag.Null: return null;
            case WireTag.False: return false;
            case WireTag.True: return true;
            case WireTag.Byte: return ReadByte();
            case WireTag.SByte: return (sbyte)ReadByte();
            case WireTag.Int16: return (short)ReadInt32();
            case WireTag.UInt16: return (ushort)ReadInt32();
            case WireTag.Int32: return ReadInt32();
            case WireTag.UInt32: return (uint)ReadInt32();
            case WireTag.Int64: return ReadInt64();
            case WireTag.UInt64: return (ulong)ReadInt64();
            case WireTag.Single: return BitConverter.Int32BitsToSingle(ReadInt32());
            case WireTag.Double: return ReadDouble();
            case WireTag.Decimal: return new decimal(new[] { ReadInt32(), ReadInt32(), ReadInt32(), ReadInt32() });
            case WireTag.Char: return (char)ReadInt32();
            case WireTag.String: return ReadString();
            case WireTag.DateTime: return DateTime.FromBinary(ReadInt64());
            case WireTag.TimeSpan: return new TimeSpan(ReadInt64());
            case WireTag.Guid: return new Guid(Take(16));
            case WireTag.Bytes: return ReadBytes();
            case WireTag.ScriptBlock: return ScriptBlock.Create(ReadString());
            case WireTag.CliXml: return PSSerializer.Deserialize(ReadString());
            case WireTag.Handle: return SharedHandles.Read(ReadString(), this);
            case WireTag.FileSystemItem: return FileSystemItems.Read(this);
            case WireTag.ObjectArray: return ReadArray(typeof(object));
            case WireTag.TypedArray: return ReadArray(TypeOf((WireTag)ReadByte()));
            case WireTag.List:
            {
                int count = ReadInt32();
                var list = new ArrayList(count);
                for (int i = 0; i < count; i++) list.Add(ReadValue());
                return list;
            }
            case WireTag.Hashtable: return ReadDictionary(new Hashtable(StringComparer.OrdinalIgnoreCase));
            case WireTag.Ordered: return ReadDictionary(new OrderedDictionary(StringComparer.OrdinalIgnoreCase));
            case WireTag.CustomObject: return ReadCustomObject();
            default: throw new InvalidDataException($"Unknown value tag {(byte)tag}.");
        }
    }

    private Array ReadArray(Type elementType)
    {
        int count = ReadInt32();
        var array = Array.CreateInstance(elementType, count);
        for (int i = 0; i < count; i++) array.SetValue(ReadValue(), i);
        return array;
    }

    private IDictionary ReadDictionary(IDictionary dict)
    {
        int count = ReadInt32();
        for (int i = 0; i < count; i++)
        {
            var key = ReadValue() ?? throw new InvalidDataException("A dictionary key was null.");
            dict[key] = ReadValue();
        }
        return dict;
    }

    private PSObject ReadCustomObject()
    {
        var obj = new PSObject();
        int typeNameCount = ReadInt32();
        if (typeNameCount > 0)
        {
            obj.TypeNames.Clear();
            for (int i = 0; i < typeNameCount; i++) obj.TypeNames.Add(ReadString());
        }
        int count = ReadInt32();
        for (int i = 0; i < count; i++)
        {
            var name = ReadString();
            obj.Properties.Add(new PSNoteProperty(name, ReadValue()));
        }
        return obj;
    }

    /// <summary>The tag of an array element type that the typed-array fast path keeps, or null.</summary>
    internal static WireTag? TagOf(Type type) => Type.GetTypeCode(type) switch
    {
        TypeCode.Boolean => WireTag.True,
        TypeCode.Byte => WireTag.Byte,
        TypeCode.SByte => WireTag.SByte,
        TypeCode.Int16 => WireTag.Int16,
        TypeCode.UInt16 => WireTag.UInt16,
        TypeCode.Int32 => WireTag.Int32,
        TypeCode.UInt32 => WireTag.UInt32,
        TypeCode.Int64 => WireTag.Int64,
        TypeCode.UInt64 => WireTag.UInt64,
        TypeCode.Single => WireTag.Single,
        TypeCode.Double => WireTag.Double,
        TypeCode.Decimal => WireTag.Decimal,
        TypeCode.Char => WireTag.Char,
        TypeCode.String => WireTag.String,
        TypeCode.DateTime => WireTag.DateTime,
        _ => type == typeof(Guid) ? WireTag.Guid : type == typeof(TimeSpan) ? WireTag.TimeSpan : null,
    };

    private static Type TypeOf(WireTag tag) => tag switch
    {
        WireTag.True => typeof(bool),
        WireTag.Byte => typeof(byte),
        WireTag.SByte => typeof(sbyte),
        WireTag.Int16 => typeof(short),
        WireTag.UInt16 => typeof(ushort),
        WireTag.Int32 => typeof(int),
        WireTag.UInt32 => typeof(uint),
        WireTag.Int64 => typeof(long),
        WireTag.UInt64 => typeof(ulong),
        WireTag.Single => typeof(float),
        WireTag.Double => typeof(double),
        WireTag.Decimal => typeof(decimal),
        WireTag.Char => typeof(char),
        WireTag.String => typeof(string),
        WireTag.DateTime => typeof(DateTime),
        WireTag.Guid => typeof(Guid),
        WireTag.TimeSpan => typeof(TimeSpan),
        _ => throw new InvalidDataException($"Unknown array element tag {(byte)tag}."),
    };
}
