using System.Collections.Generic;

namespace Multiproc.Pool;

/// <summary>What a call's progress bars show at one moment: items waiting, and what each worker runs of it.</summary>
internal sealed record CallProgress(int Queued, IReadOnlyList<WorkerActivity> Workers);

/// <summary>A worker running an item of the call: since when (Environment.TickCount64).</summary>
internal sealed record WorkerActivity(int ProcessId, PoolItem Item, long Since);
