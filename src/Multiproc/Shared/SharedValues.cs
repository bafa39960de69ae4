using System;
using System.Management.Automation;
using Multiproc.Ipc;

namespace Multiproc.Shared;

/// <summary>What the owner of a shared collection needs to know of the serialized values it keeps.</summary>
/// <remarks>Values stay as wire bytes; only numbers are ever decoded, to compare and to add them.</remarks>
internal static class SharedValues
{
    /// <summary>The wire bytes of $null.</summary>
    public static readonly byte[] Null = { (byte)WireTag.Null };

    /// <summary>Equal as PowerShell's -ceq would have them: the same bytes, or numbers of equal value (5 and 5L).</summary>
    public static bool Same(byte[] stored, byte[] wanted) =>
        stored.AsSpan().SequenceEqual(wanted) ||
        (IsNumber(stored) && IsNumber(wanted) && LanguagePrimitives.Equals(Serializer.Read(stored), Serializer.Read(wanted)));

    /// <summary>The sum of a stored number (or nothing, counted as 0) and a delta: whole numbers stay whole.</summary>
    /// <exception cref="MpInvalidArgumentException">Either is not a number.</exception>
    public static object Add(byte[]? stored, object? delta, object key)
    {
        object current = stored is null ? 0L : Serializer.Read(stored)!;
        if (stored is not null && !IsNumber(stored))
            throw new MpInvalidArgumentException(
                $"The value of key '{key}' is a {current.GetType().Name}, not a number, so it cannot be incremented.", key);
        if (delta is null || !IsNumber(Serializer.Write(delta)))
            throw new MpInvalidArgumentException(
                $"The increment must be a number, not {(delta is null ? "$null" : delta.GetType().Name)}.", delta);
        if (IsWhole(current) && IsWhole(delta))
        {
            try { return checked(Convert.ToInt64(current) + Convert.ToInt64(delta)); }
            catch (OverflowException e)
            {
                throw new MpInvalidArgumentException($"Incrementing key '{key}' by {delta} overflows a 64-bit integer.", key, e);
            }
        }
        if (current is decimal || delta is decimal) return Convert.ToDecimal(current) + Convert.ToDecimal(delta);
        return Convert.ToDouble(current) + Convert.ToDouble(delta);
    }

    private static bool IsNumber(byte[] value) => value.Length > 0 && (WireTag)value[0] is >= WireTag.Byte and <= WireTag.Decimal;

    private static bool IsWhole(object value) => value is byte or sbyte or short or ushort or int or uint or long or ulong;
}
