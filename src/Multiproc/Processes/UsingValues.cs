using System;
using System.Collections;
using System.Collections.Generic;
using Multiproc.Ipc;

namespace Multiproc.Processes;

/// <summary>The caller's values of a scriptblock's `$using:` variables, under the names the rewritten script reads.</summary>
/// <remarks>It crosses as a plain hashtable; it also knows each value's name in the caller, so that a value
/// that cannot cross is reported as the user wrote it (`$using:data`), not as the table that carries it.</remarks>
internal sealed class UsingValues : Hashtable
{
    private readonly Dictionary<string, string> _callerNames = new(StringComparer.OrdinalIgnoreCase);

    public UsingValues() : base(StringComparer.OrdinalIgnoreCase) { }

    public void Add(string local, string callerName, object? value)
    {
        this[local] = value;
        _callerNames[local] = callerName;
    }

    /// <summary>Writes <paramref name="values"/>; when one cannot cross, the error names its `$using:` variable.</summary>
    /// <exception cref="MpSerializationException">A value cannot cross, or all of them are over the size limit together.</exception>
    public static void Write(WireWriter w, Hashtable values)
    {
        try { w.WriteValue(values); }
        catch (MpSerializationException e) when (values is UsingValues named) { throw named.Explain(e); }
    }

    private MpSerializationException Explain(MpSerializationException together)
    {
        foreach (DictionaryEntry entry in this)
        {
            try { new WireWriter().WriteValue(entry.Value); }
            catch (MpSerializationException alone)
            {
                return new MpSerializationException(
                    $"$using:{_callerNames[(string)entry.Key]} cannot be sent to another process. {alone.Message}", entry.Value, alone);
            }
        }
        return new MpSerializationException(
            $"The $using: values ($using:{string.Join(", $using:", _callerNames.Values)}) cannot be sent to another process together. {together.Message}", null, together);
    }
}
