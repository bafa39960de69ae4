# SPEC §2, "waiting costs nothing", and CPU-bound work spread over workers (issue 10).
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    # Generous: a tick is 10 ms and the wait lasts 2 s; a poll every few milliseconds would use far more.
    $script:Bound = 100
}

Describe 'Waiting costs nothing' {
    BeforeAll {
        $script:Pool = New-MpPool -Size 2
        # Each worker has loaded what a sleeping task uses (Start-Sleep's module) before it is measured.
        $null = 1..4 | Invoke-MpPool { Start-Sleep -Milliseconds 50 } -Pool $script:Pool -ChunkSize 1
    }
    AfterAll { Stop-MpPool $script:Pool }

    It 'a worker whose task runs Start-Sleep 2 uses no CPU of its own' {
        $ids = $script:Pool.WorkerIds
        $before = $ids | ForEach-Object { Get-WaitCpuMs $_ }
        $null = 1..2 | Invoke-MpPool { Start-Sleep 2 } -Pool $script:Pool -ChunkSize 1
        $after = $ids | ForEach-Object { Get-WaitCpuMs $_ }
        foreach ($i in 0..1) { $after[$i] - $before[$i] | Should -BeLessOrEqual $script:Bound -Because "worker $($ids[$i]) slept 2 s" }
    }

    It 'an idle pool of 2 uses no CPU over 2 s' {
        $ids = $script:Pool.WorkerIds
        $before = $ids | ForEach-Object { Get-WaitCpuMs $_ }
        Start-Sleep 2
        $after = $ids | ForEach-Object { Get-WaitCpuMs $_ }
        foreach ($i in 0..1) { $after[$i] - $before[$i] | Should -BeLessOrEqual $script:Bound -Because "worker $($ids[$i]) was idle for 2 s" }
    }

    It 'the parent uses no CPU while Wait-MpTask waits' {
        $task = Invoke-MpPool { Start-Sleep 2 } -Pool $script:Pool -Async
        $before = Get-WaitCpuMs $PID
        Wait-MpTask $task
        $used = (Get-WaitCpuMs $PID) - $before
        $task.State | Should -Be 'Completed' -Because 'Wait-MpTask returned once the task ended'
        $used | Should -BeLessOrEqual $script:Bound
    }

    It 'a Receive-MpQueue waiting in this process is not woken to look for Ctrl+C' {
        $q = New-MpQueue
        $blocked = Start-BlockedCommand 'Receive-MpQueue $args[0]' $q
        try {
            $before = Get-ThreadWakeCount $blocked.Tid
            Start-Sleep -Seconds 1   # the span measured, not a wait for something to happen
            (Get-ThreadWakeCount $blocked.Tid) - $before | Should -BeLessOrEqual 1
            $q.Put('wakes it')
            $blocked.Running.AsyncWaitHandle.WaitOne(30000) | Should -BeTrue
            $blocked.Shell.EndInvoke($blocked.Running) | Should -Be 'wakes it'
        }
        finally { $blocked.Shell.Dispose() }
    }

    It 'a child blocked in Get uses no CPU over 2 s' {
        $q = New-MpQueue
        $ready = New-MpQueue
        $child = Start-MpProcess { param($q, $ready) $ready.Put('waiting'); $q.Get() } -ArgumentList $q, $ready
        $ready.Get(60) | Should -Be 'waiting'
        Start-Sleep -Milliseconds 200   # into the Get; whatever it costs after this counts
        $before = Get-WaitCpuMs $child.Id
        Start-Sleep 2
        $used = (Get-WaitCpuMs $child.Id) - $before
        $q.Put('done')
        Receive-MpProcess $child -Wait | Should -Be 'done'
        $used | Should -BeLessOrEqual $script:Bound
    }
}

Describe 'CPU-bound tasks on a pool' {
    It 'runs 8 CPU-bound tasks on both workers, each in a fresh scope' {
        $pool = New-MpPool -Size 2
        try {
            $got = 1..8 | Invoke-MpPool {
                $seen = $null -ne $leftOver   # set by an earlier task in this worker, if scopes leaked
                $leftOver = $_
                $x = 0; for ($i = 0; $i -lt 300000; $i++) { $x += $i }
                [pscustomobject]@{ Input = $_; Worker = $PID; Sum = $x; Seen = $seen }
            } -Pool $pool -ChunkSize 1
            @($got.Input | Sort-Object) | Should -Be (1..8)
            $got.Sum | Sort-Object -Unique | Should -Be (299999L * 300000 / 2)
            @($got.Worker | Sort-Object -Unique).Count | Should -Be 2 -Because 'both workers took tasks'
            $got.Seen | Should -Not -Contain $true
        }
        finally { Stop-MpPool $pool }
    }

    # A scripted loop allocates on every step: a child collects gen0 after 64 MB, not the runtime's ~2 MB.
    Context 'the gen0 budget of a child' {
        BeforeAll {
            # ~24 MB of boxed integers; returns how many gen0 collections that took, and what the task saw.
            $script:Allocate = {
                $before = [GC]::CollectionCount(0)
                $x = 0; for ($i = 0; $i -lt 500000; $i++) { $x += $i }
                [pscustomobject]@{ Collections = [GC]::CollectionCount(0) - $before; Setting = $env:DOTNET_GCgen0size }
            }
        }
        AfterEach { $env:DOTNET_GCgen0size = $null }

        It 'is large, and the task does not see it in its environment' {
            $env:DOTNET_GCgen0size = $null
            $got = Start-MpProcess $script:Allocate | Wait-MpProcess -PassThru | Receive-MpProcess
            $got.Collections | Should -BeLessOrEqual 1
            $got.Setting | Should -BeNullOrEmpty -Because 'the caller has none'
        }

        It 'is given back once the worker that filled it is idle' {
            function Get-ResidentMb([int] $Id) { [int]((Select-String '^VmRSS:\s+(\d+)' -Path "/proc/$Id/status").Matches[0].Groups[1].Value) / 1024 }
            $pool = New-MpPool -Size 1
            try {
                $worker = $pool.WorkerIds[0]
                $null = Invoke-MpPool { 1 } -Pool $pool
                $idle = Get-ResidentMb $worker
                $null = 1..4 | Invoke-MpPool { $x = 0; for ($i = 0; $i -lt 1000000; $i++) { $x += $i } } -Pool $pool -ChunkSize 1
                Get-ResidentMb $worker | Should -BeGreaterThan ($idle + 30) -Because 'the loops filled the budget'
                Wait-Until { (Get-ResidentMb $worker) -lt $idle + 15 } -TimeoutSeconds 20 -Because 'the idle worker to give the memory back'
            }
            finally { Stop-MpPool $pool }
        }

        It "is the caller's own when it sets one" {
            $env:DOTNET_GCgen0size = '0x100000'   # 1 MB
            $got = Start-MpProcess $script:Allocate | Wait-MpProcess -PassThru | Receive-MpProcess
            $got.Collections | Should -BeGreaterThan 5
            $got.Setting | Should -Be '0x100000'
        }
    }
}
