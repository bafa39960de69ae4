using System;
using System.IO;
using System.Management.Automation;
using System.Reflection;

namespace Multiproc.Ipc;

/// <summary>Files and directories cross as their path and arrive live: what `Get-ChildItem` feeds a pool costs microseconds.</summary>
/// <remarks>
/// As CliXml a <see cref="FileInfo"/> took ~7 ms and ~10 KB (its script properties run, VersionInfo reads the
/// file), so 29,398 files took 205 s to cross (issue 19). Here it is its full name and the provider's
/// PSPath, PSParentPath, PSChildName and PSIsContainer, and nothing more (notes added with Add-Member
/// stay behind); the receiver makes a new
/// <see cref="FileInfo"/> or <see cref="DirectoryInfo"/>, which reads the file system when a property is
/// first used: in the task, in parallel, and it is the file as it is now. On Unix the receiver adds
/// UnixStat (what the Mode, User and Group columns show) as a property read each time it is used.
/// A path names a file on this machine only: a hop to another machine must send a property bag instead.
/// </remarks>
internal static class FileSystemItems
{
    private const byte File = 0, Directory = 1;

    // The provider's notes whose values are text or flags; its PSDrive, PSProvider and UnixStat are objects of the sender's session.
    private static readonly string[] s_carried = ["PSPath", "PSParentPath", "PSChildName", "PSIsContainer"];

    public static void Write(WireWriter writer, FileSystemInfo item, PSObject? wrapper)
    {
        writer.WriteByte(item is DirectoryInfo ? Directory : File);
        writer.WriteString(item.FullName);
        wrapper ??= PSObject.AsPSObject(item);   // a bare FileInfo (from a typed list) finds the notes PowerShell keeps for it
        // By name: enumerating an object's properties reads every member of its type (~30 µs a file).
        var notes = new PSNoteProperty?[s_carried.Length];
        int count = 0;
        for (int i = 0; i < notes.Length; i++)
            if (wrapper.Properties[s_carried[i]] is PSNoteProperty { Value: string or bool } note) { notes[i] = note; count++; }
        writer.WriteInt32(count);
        foreach (var note in notes)
        {
            if (note is null) continue;
            writer.WriteString(note.Name);
            writer.WriteValue(note.Value);
        }
    }

    public static PSObject Read(WireReader reader)
    {
        byte kind = reader.ReadByte();
        string path = reader.ReadString();
        var item = PSObject.AsPSObject(kind == Directory ? new DirectoryInfo(path) : new FileInfo(path));
        for (int count = reader.ReadInt32(); count > 0; count--)
            item.Properties.Add(new PSNoteProperty(reader.ReadString(), reader.ReadValue()));
        if (s_unixStat is not null) item.Properties.Add(s_unixStat);
        return item;
    }

    /// <summary>
    /// A file or directory as another machine can take it: its properties, read here, under the type
    /// names a remoting session gives it (`Deserialized.System.IO.FileInfo`), as PowerShell's own remoting
    /// sends it, without the ~7 ms its full CliXml costs.
    /// </summary>
    public static PSObject AsProperties(FileSystemInfo item, PSObject? wrapper)
    {
        wrapper ??= PSObject.AsPSObject(item);
        var bag = new PSObject();
        bag.TypeNames.Clear();
        foreach (var type in wrapper.TypeNames) bag.TypeNames.Add("Deserialized." + type);
        void Add(string name, object? value) => bag.Properties.Add(new PSNoteProperty(name, value));
        Add("Name", item.Name);
        Add("FullName", item.FullName);
        Add("Extension", item.Extension);
        Add("Exists", item.Exists);
        Add("Attributes", item.Exists ? item.Attributes.ToString() : null);
        Add("CreationTimeUtc", item.Exists ? item.CreationTimeUtc : null);
        Add("LastWriteTimeUtc", item.Exists ? item.LastWriteTimeUtc : null);
        Add("LastAccessTimeUtc", item.Exists ? item.LastAccessTimeUtc : null);
        Add("CreationTime", item.Exists ? item.CreationTime : null);
        Add("LastWriteTime", item.Exists ? item.LastWriteTime : null);
        Add("LastAccessTime", item.Exists ? item.LastAccessTime : null);
        Add("LinkTarget", item.LinkTarget);
        if (item is FileInfo file)
        {
            Add("Length", file.Exists ? file.Length : null);
            Add("DirectoryName", file.DirectoryName);
        }
        else if (item is DirectoryInfo directory) Add("Parent", directory.Parent?.FullName);
        foreach (var name in s_carried)
            if (wrapper.Properties[name] is PSNoteProperty { Value: string or bool } note) Add(note.Name, note.Value);
        return bag;
    }

    /// <summary>Called through <see cref="s_unixStat"/>: the stat PowerShell's file system provider attaches, read now.</summary>
    public static object? UnixStat(PSObject item) =>
        s_getLStat is not null && item.BaseObject is FileSystemInfo info ? s_getLStat.Invoke(null, [info.FullName]) : null;

    // PowerShell's own stat (Platform.Unix.GetLStat, public on an internal class); without it, no UnixStat.
    private static readonly MethodInfo? s_getLStat = OperatingSystem.IsWindows() ? null :
        typeof(PSObject).Assembly.GetType("System.Management.Automation.Platform+Unix")
            ?.GetMethod("GetLStat", BindingFlags.Public | BindingFlags.Static, [typeof(string)]);

    private static readonly PSCodeProperty? s_unixStat = s_getLStat is null ? null :
        new PSCodeProperty("UnixStat", typeof(FileSystemItems).GetMethod(nameof(UnixStat))!);
}
