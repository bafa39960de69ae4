using System.Collections;
using System.Threading;
using Multiproc.Ipc;
using Multiproc.Shared;
using Op = Multiproc.Shared.ManagerCore.Op;

namespace Multiproc;

/// <summary>Where shared dictionaries and lists live, as Python's Manager(): they last until it stops.</summary>
/// <remarks>
/// A manager lives in the process that made it; the session's default manager lives in its first process,
/// so what a child makes there outlives the child. Stopping a manager ends everything it made: their
/// handles, in every process, fail with MpObjectGone from then on.
/// </remarks>
public sealed class MpManager : MpSharedObject
{
    internal const string KindName = "manager";
    private static int s_lastNumber;

    private MpManager(string owner, long id, string name) : base(owner, id) => Name = name;

    /// <summary>A new manager in this process.</summary>
    internal static MpManager Start(string? name)
    {
        var core = new ManagerCore();
        long id = core.Register();
        return new MpManager(Session.Current.EndpointPath, id, name ?? $"MpManager-{Interlocked.Increment(ref s_lastNumber)}");
    }

    public string Name { get; }

    /// <summary>Ends the manager and every object it made.</summary>
    public void Stop() => Invoke((byte)Op.Stop);

    internal MpDictionary NewDictionary(IDictionary? contents)
    {
        var call = Begin((byte)Op.NewDictionary);
        MpDictionary.WriteContents(call.Args, contents);
        return new MpDictionary(Owner, Invoke(call).ReadInt64());
    }

    internal MpList NewList(IList? contents)
    {
        var call = Begin((byte)Op.NewList);
        MpList.WriteContents(call.Args, contents);
        return new MpList(Owner, Invoke(call).ReadInt64());
    }

    public override string ToString() => Name;

    private protected override string Kind => KindName;

    private protected override void WriteHandleDetails(WireWriter writer) => writer.WriteString(Name);

    internal static MpManager ReadHandle(WireReader reader) => new(reader.ReadString(), reader.ReadInt64(), reader.ReadString());
}
