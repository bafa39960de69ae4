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
    public void A_hosts_agent_keeps_a_definition_from_one_chunk_and_puts_it_into_another_without_reading_either()
    {
        var definition = new TaskDefinition("$_ * $y", new Hashtable { ["__MpUsing_0"] = "seven" }, new object?[] { 1.5 });
        var first = new WireWriter();
        new TaskChunk { ChunkId = 4, CallId = 12, Definition = definition, Items = Items(1, 2) }.Write(first);
        var (callId, kept) = TaskChunk.PeekDefinition(first.ToArray());
        Assert.Equal(12, callId);
        Assert.NotNull(kept);

        var second = new WireWriter();
        new TaskChunk { ChunkId = 5, CallId = 12, Items = Items("a", null), HostIndexes = new[] { 0, -1 }, Streams = true }.Write(second);
        Assert.Null(TaskChunk.PeekDefinition(second.ToArray()).Definition);
        var given = TaskChunk.Read(new WireReader(TaskChunk.AddDefinition(second.ToArray(), kept!)));
        Assert.Equal(5, given.ChunkId);
        Assert.Equal(12, given.CallId);
        Assert.Equal("$_ * $y", given.Definition!.Script);
        Assert.Equal("seven", given.Definition.UsingValues["__MpUsing_0"]);
        Assert.Equal(new object?[] { 1.5 }, given.Definition.Arguments);
        Assert.Equal(new object?[] { "a", null }, given.Values);
        Assert.Equal(new[] { 0, -1 }, given.HostIndexes);
        Assert.True(given.Streams);
    }

    [Fact]
    public void A_call_sizes_its_chunks_to_each_sites_measured_speed()
    {
        var call = new PoolCall(new TaskDefinition("$_", new Hashtable(), Array.Empty<object?>()), null, true, null!, RunPolicy.Default);
        WorkerSite fast = new LocalSite(1), slow = new LocalSite(1), unseen = new LocalSite(1);
        Assert.Equal(1, call.ChunkSizeAt(fast));   // nothing measured yet: one item
        call.Observe(100, 0.01, fast);               // 0.1 ms an item: 100 make 10 ms
        call.Observe(10, 0.02, slow);                // 2 ms an item: 5 make 10 ms
        Assert.Equal(100, call.ChunkSizeAt(fast));
        Assert.Equal(5, call.ChunkSizeAt(slow));
        int overall = call.ChunkSizeAt(unseen);      // a site not measured yet takes the call's average
        Assert.InRange(overall, 5, 100);
        var fixedSize = new PoolCall(new TaskDefinition("$_", new Hashtable(), Array.Empty<object?>()), 7, true, null!, RunPolicy.Default);
        fixedSize.Observe(100, 0.01, fast);
        Assert.Equal(7, fixedSize.ChunkSizeAt(fast));
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
