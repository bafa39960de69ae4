using System;
using System.Collections;
using System.Collections.Specialized;
using System.Management.Automation;
using Multiproc.Ipc;
using Xunit;

namespace Multiproc.Tests;

public class WireTests
{
    private static object? RoundTrip(object? value)
    {
        var w = new WireWriter();
        w.WriteValue(value);
        return new WireReader(w.WrittenSpan.ToArray()).ReadValue();
    }

    public static TheoryData<object?> Primitives => new()
    {
        null, true, false, (byte)7, (sbyte)-7, (short)-300, (ushort)60000, 42, 42u, -5L, ulong.MaxValue,
        1.5f, Math.PI, 12.34m, 'x', "héllo", "", new DateTime(2026, 11, 25, 4, 19, 0, DateTimeKind.Utc),
        TimeSpan.FromMinutes(3), Guid.NewGuid(),
    };

    [Theory]
    [MemberData(nameof(Primitives))]
    public void Primitives_keep_type_and_value(object? value)
    {
        var back = RoundTrip(value);
        Assert.Equal(value, back);
        Assert.Equal(value?.GetType(), back?.GetType());
    }

    [Fact]
    public void Nested_collections_keep_their_shape()
    {
        var ordered = new OrderedDictionary { ["b"] = 2, ["a"] = new[] { 1, 2 } };
        var value = new object?[] { new Hashtable { ["k"] = new byte[] { 1, 2 } }, ordered, new[] { "x", "y" } };

        var back = Assert.IsType<object?[]>(RoundTrip(value));

        Assert.Equal(new byte[] { 1, 2 }, Assert.IsType<Hashtable>(back[0])["K"]);   // keys stay case-insensitive
        var od = Assert.IsType<OrderedDictionary>(back[1]);
        Assert.Equal(new object[] { "b", "a" }, new ArrayList(od.Keys).ToArray());
        Assert.Equal(new[] { 1, 2 }, Assert.IsType<int[]>(od["a"]));
        Assert.Equal(new[] { "x", "y" }, Assert.IsType<string[]>(back[2]));
    }

    [Fact]
    public void A_value_that_contains_itself_fails_with_MpSerialization_naming_its_type()
    {
        var array = new object?[1];
        array[0] = array;
        var e = Assert.Throws<MpSerializationException>(() => new WireWriter().WriteValue(array));
        Assert.Equal("MpSerialization", e.ErrorRecord.FullyQualifiedErrorId);
    }
}
