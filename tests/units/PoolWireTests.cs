using System;
using System.Collections;
using System.Management.Automation;
using Multiproc.Ipc;
using Multiproc.Pool;
using Multiproc.Worker;
using Xunit;

namespace Multiproc.Tests;

public class PoolWireTests
{
    private static TaskChunk RoundTrip(TaskChunk chunk)
    {
        var w = new WireWriter();
        chunk.Write(w);
        return TaskChunk.Read(new WireReader(w.WrittenSpan.ToArray()));
    }

    private static byte[][] Items(params object?[] values) => Array.ConvertAll(values, v => Serializer.Write(v));

    [Fact]
    public void A_chunk_carries_its_items_and_the_definition_when_given()
    {
        var definition = new TaskDefinition("$_ + $x", new Hashtable { ["__MpUsing_0"] = 5 }, new object?[] { "a", 2 });
        var back = RoundTrip(new TaskChunk { ChunkId = 9, CallId = 3, Definition = definition, Items = Items(1, null, "three") });
        Assert.Equal(9, back.ChunkId);
        Assert.Equal(3, back.CallId);
        Assert.Equal(new object?[] { 1, null, "three" }, back.Values);
        Assert.Equal("$_ + $x", back.Definition!.Script);
        Assert.Equal(5, back.Definition.UsingValues["__MpUsing_0"]);
        Assert.Equal(new object?[] { "a", 2 }, back.Definition.Arguments);
        Assert.Null(back.ValueArguments);
        Assert.Null(back.CommonArguments);
        Assert.Null(RoundTrip(new TaskChunk { ChunkId = 1, CallId = 3, Items = Items(1) }).Definition);
    }

    [Fact]
    public void Arguments_shared_by_every_item_travel_once_and_different_ones_travel_per_item()
    {
        var shared = Serializer.Write(new object?[] { 7 });
        var same = RoundTrip(new TaskChunk { ChunkId = 1, CallId = 1, Items = Items(1, 2), ItemArguments = new[] { shared, shared } });
        Assert.Equal(new object?[] { 7 }, same.CommonArguments);
        Assert.Null(same.ValueArguments);

        var each = RoundTrip(new TaskChunk
        {
            ChunkId = 2, CallId = 1, Items = Items(1, 2),
            ItemArguments = new[] { Serializer.Write(new object?[] { 1 }), Serializer.Write(new object?[] { 2 }) },
        });
        Assert.Null(each.CommonArguments);
        Assert.Equal(new object?[] { 1 }, (object?[])each.ValueArguments![0]!);
        Assert.Equal(new object?[] { 2 }, (object?[])each.ValueArguments![1]!);
    }

    [Fact]
    public void An_end_block_task_becomes_a_filter_and_keeps_its_param_block()
    {
        var (task, perItem) = TaskFilter.Compile(" param($n) $_ * $n ");
        Assert.False(perItem);
        Assert.NotNull(task.Ast.Find(a => a is System.Management.Automation.Language.NamedBlockAst { BlockKind: System.Management.Automation.Language.TokenKind.Process }, false));
        Assert.Equal("n", Assert.Single(((System.Management.Automation.Language.ScriptBlockAst)task.Ast).ParamBlock!.Parameters).Name.VariablePath.UserPath);
    }

    [Theory]
    [InlineData("begin { $t = 0 } process { $t += $_ } end { $t }")]
    [InlineData("process { $_ }")]
    [InlineData("trap { continue } $_")]
    public void A_task_with_blocks_or_traps_of_its_own_runs_once_per_item(string script)
    {
        var (_, perItem) = TaskFilter.Compile(script);
        Assert.True(perItem);
    }

    [Fact]
    public void A_task_that_does_not_parse_fails_to_compile()
    {
        Assert.Throws<ParseException>(() => TaskFilter.Compile("$_ + ("));
    }
}
