# Inline mode (SPEC §10): tasks run one after another in the caller's runspace, bound as in a worker.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:Pool = New-MpPool -Size 2 -Name 'inline'

    # Runs a Pester file in a fresh pwsh with this suite's Pester and the module; returns its result line.
    function Invoke-NestedPester([string] $Path) {
        $command = "Import-Module '$((Get-Module Pester).Path)'; Import-Module '$script:ModulePath'; " +
                   "`$r = Invoke-Pester -Path '$Path' -PassThru -Output None; `"`$(`$r.PassedCount) passed, `$(`$r.FailedCount) failed`""
        $out = @(& $script:Pwsh -NoProfile -NonInteractive -Command $command 2>&1)
        $LASTEXITCODE | Should -Be 0 -Because ($out -join "`n")
        "$($out[-1])"
    }

    # What Invoke-MpPool wrote on each stream, in a form two runs can be compared by.
    function Get-CallRecord([scriptblock] $Task, [hashtable] $Where) {
        $errs = $warns = $infos = $null
        $out = 1..4 | Invoke-MpPool $Task @Where -ErrorVariable errs -WarningVariable warns -InformationVariable infos -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        [pscustomobject]@{
            Output   = $out | ConvertTo-Json -Compress -Depth 3
            Types    = ($out | ForEach-Object { $_.pstypenames[0] }) -join ','
            Errors   = $errs | ForEach-Object { "$($_.FullyQualifiedErrorId -replace ',.*') $($_.CategoryInfo.Category) $($_.TargetObject) $("$_" -replace 'process \d+', 'process N')" }
            Warnings = $warns | ForEach-Object { "$_" }
            Infos    = $infos | ForEach-Object { "$($_.MessageData)" }
        }
    }
}

AfterAll {
    Get-MpPool | Stop-MpPool
    Remove-AllMpProcess
    [Multiproc.MpSettings]::Inline = $false
    $env:MULTIPROC_INLINE = $null
}

Describe 'Invoke-MpPool -Inline' {
    It 'runs each task in this process, with $using:, -ArgumentList and $_ bound as in a worker' {
        $factor = 10
        $got = 1..3 | Invoke-MpPool { param($a, $b) "$PID $($_ * $using:factor) $a $b" } -ArgumentList 'x', 'y' -Inline
        $got | Should -Be "$PID 10 x y", "$PID 20 x y", "$PID 30 x y"
    }

    It 'binds copies, as a worker gets them: $_, -ArgumentList and $using: values are not the caller''s objects' {
        $list = [System.Collections.ArrayList]@(1)
        $options = @{ n = 1 }
        $task = { param($o) $null = ($using:list).Add(2); $o.n = 2; "$($_.pstypenames[0]) $($_ -is [System.Text.StringBuilder]) $(($using:list).Count) $($o.n)" }
        $inline = [System.Text.StringBuilder]::new('x') | Invoke-MpPool $task -ArgumentList $options -Inline
        $pooled = [System.Text.StringBuilder]::new('x') | Invoke-MpPool $task -ArgumentList $options -Pool $script:Pool
        $inline | Should -Be $pooled
        $inline | Should -Be 'Deserialized.System.Text.StringBuilder False 2 2'
        $options.n | Should -Be 1
        $list.Count | Should -Be 1
    }

    It 'fails a task that runs `exit` with MpWorkerLost, as a worker''s, and goes on' {
        $errs = $null
        $got = 1..3 | Invoke-MpPool { if ($_ -eq 2) { exit 5 }; $_ } -Inline -ErrorVariable errs -ErrorAction SilentlyContinue
        $got | Should -Be 1, 3
        $errs | Should -HaveCount 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'MpWorkerLost,*'
        "$($errs[0])" | Should -Match 'exit 5.*input 1'
    }

    It 'runs a task with blocks of its own once per input, as a worker does' {
        $got = 1..3 | Invoke-MpPool { begin { $n = 100 } process { $n + $_ } } -Inline
        $got | Should -Be 101, 102, 103
    }

    It 'gives each task a fresh scope: a variable one task sets is not seen by the next' {
        $got = 1..2 | Invoke-MpPool { $seen = $mine; $mine = $_; "$seen" } -Inline
        $got | Should -Be '', ''
        Get-Variable mine -ErrorAction Ignore | Should -BeNullOrEmpty
    }

    It 'yields the same output, errors, warnings and information records as a pool does' {
        $task = {
            Write-Warning "warn $_"
            Write-Information "info $_"
            if ($_ -eq 2) { throw "bad $_" }
            if ($_ -eq 3) { Write-Error "soft $_" }
            [pscustomobject]@{ N = $_; Tags = @('a', 'b') }
            @{ Key = $_ }
        }
        $inline = Get-CallRecord $task @{ Inline = $true }
        $pooled = Get-CallRecord $task @{ Pool = $script:Pool }
        $inline.Output | Should -Be $pooled.Output
        $inline.Types | Should -Be $pooled.Types
        $inline.Errors | Should -Be $pooled.Errors
        $inline.Errors | Should -HaveCount 2
        $inline.Warnings | Should -Be $pooled.Warnings
        $inline.Infos | Should -Be $pooled.Infos
    }

    It 'runs an -Async task and its callback before the command returns' {
        $seen = [System.Collections.Generic.List[object]]::new()
        $tasks = 1..3 | Invoke-MpPool { $_ * 2 } -Pool $script:Pool -Async -Inline -Callback { $seen.Add($_) }
        $seen | Should -Be 2, 4, 6
        $tasks.State | Should -Be 'Completed', 'Completed', 'Completed'
        $tasks[2].GetResult(0) | Should -Be 6
    }

    It 'retries as -RetryCount says, and stops at -MaxFailures' {
        $script:tries = 0
        $got = Invoke-MpPool { if (++$script:tries -lt 3) { throw 'flaky' } "ok after $script:tries" } -InputObject 1 -Inline -RetryCount 2 -RetryDelay 0.01 -RetryOn 'flaky*'
        $got | Should -Be 'ok after 3'
        $err = { 1..10 | Invoke-MpPool { throw "no $_" } -Inline -MaxFailures 2 -ErrorAction SilentlyContinue } | Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -BeLike 'MpTooManyFailures,*'
        $err.TargetObject.Failed | Should -Be 2
    }

    It 'stops a task at its -TaskTimeout, as a worker''s: its finally runs, it fails with MpTaskTimeout, the rest go on' {
        $errs = $null
        $got = 1..3 | Invoke-MpPool { if ($_ -eq 2) { Start-Sleep 600 }; $_ } -Inline -TaskTimeout 0.5 -ErrorVariable errs -ErrorAction SilentlyContinue
        $got | Should -Be 1, 3
        $errs | Should -HaveCount 1
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'MpTaskTimeout,*'
        $errs[0].TargetObject | Should -Be 2
        "$($errs[0])" | Should -Match 'input 1 of the call.*inline in process'
    }

    It 'is on for every call while [Multiproc.MpSettings]::Inline or $env:MULTIPROC_INLINE is set' {
        try {
            [Multiproc.MpSettings]::Inline = $true
            Invoke-MpPool { $PID } -InputObject 1 -Pool $script:Pool | Should -Be $PID
            [Multiproc.MpSettings]::Inline = $false
            $env:MULTIPROC_INLINE = 1
            Invoke-MpPool { $PID } -InputObject 1 | Should -Be $PID
        }
        finally {
            [Multiproc.MpSettings]::Inline = $false
            $env:MULTIPROC_INLINE = $null
        }
        Invoke-MpPool { $PID } -InputObject 1 -Pool $script:Pool | Should -Not -Be $PID
    }

    It 'reaches queues, dictionaries and locks as workers do' {
        $q = New-MpQueue
        $d = New-MpDictionary
        $lock = New-MpLock
        1..5 | Invoke-MpPool { Use-MpLock $using:lock { ($using:d)[$_] = $_ * $_ }; ($using:q).Put($_) } -Inline
        $d.Count | Should -Be 5
        $d[4] | Should -Be 16
        1..5 | ForEach-Object { $q.Get(5) } | Should -Be 1, 2, 3, 4, 5
        $lock.Acquire(0) | Should -BeTrue
        $lock.Release()
    }

    It 'lets the debugger reach into the tasks: a breakpoint hits once per inline task, never in workers' {
        $ps = New-ModuleShell
        try {
            $null = $ps.AddScript('$global:hits = 0; $null = Set-PSBreakpoint -Command Get-Date -Action { $global:hits++ }
                $null = 1..3 | Invoke-MpPool { Get-Date } -Inline; $inline = $global:hits
                $null = 1..3 | Invoke-MpPool { Get-Date } -Size 1; "$inline $global:hits"')
            $out = $ps.Invoke()
            $ps.Streams.Error | Should -BeNullOrEmpty
            "$out" | Should -Be '3 3' -Because 'three hits inline, none more from the workers'
        }
        finally { $ps.Dispose() }
    }

    It 'lets a real nested Pester run mock a command inside the tasks, in a script and in a module' {
        $testFile = Join-Path $TestDrive 'Mocked.Tests.ps1'
        @'
BeforeAll {
    New-Module -Name MpUnderTest { function Get-Stamps { 1..2 | Invoke-MpPool { Get-Date } } } | Import-Module
}
Describe 'mocks in tasks' {
    It 'applies with -Inline' {
        Mock Get-Date { 'mocked' }
        1..3 | Invoke-MpPool { Get-Date } -Inline | Should -Be 'mocked', 'mocked', 'mocked'
        Should -Invoke Get-Date -Times 3 -Exactly
    }
    It 'applies to a module''s tasks with Mock -ModuleName and $env:MULTIPROC_INLINE' {
        $env:MULTIPROC_INLINE = 1
        try {
            Mock Get-Date { 'module mock' } -ModuleName MpUnderTest
            Get-Stamps | Should -Be 'module mock', 'module mock'
        }
        finally { $env:MULTIPROC_INLINE = $null }
    }
    It 'does not apply in workers (the reason for inline mode)' {
        Mock Get-Date { 'mocked' }
        Invoke-MpPool { Get-Date } -InputObject 1 -Size 1 | Should -BeOfType [datetime]
    }
}
'@ | Set-Content $testFile
        Invoke-NestedPester $testFile | Should -Be '3 passed, 0 failed'
    }
}

Describe 'Start-MpProcess -Inline' {
    It 'runs the script here with $using:, -ArgumentList and $_, and holds its output as a child''s' {
        $word = 'hi'
        $p = 7 | Start-MpProcess { param($a) "$PID $using:word $a $_"; Write-Warning 'careful' } -ArgumentList 'there' -Inline
        $p.Id | Should -Be $PID
        $p.State | Should -Be 'Completed'
        $p.ExitCode | Should -Be 0
        $warns = $null
        $p | Receive-MpProcess -WarningVariable warns -WarningAction SilentlyContinue | Should -Be "$PID hi there 7"
        "$warns" | Should -Be 'careful'
        Get-MpProcess -Name $p.Name | Should -Be $p
    }

    It 'fails as a child fails: exit code 1 and the error, or the code `exit` gave' {
        $p = Start-MpProcess { 'before'; throw 'broken' } -Inline
        $p.State | Should -Be 'Failed'
        $p.ExitCode | Should -Be 1
        $errs = $null
        $p | Receive-MpProcess -ErrorVariable errs -ErrorAction SilentlyContinue | Should -Be 'before'
        "$errs" | Should -Be "broken (process $PID)"
        (Start-MpProcess { exit 4 } -Inline).ExitCode | Should -Be 4
    }

    It 'stops a script at its -Timeout as a child''s: State Stopped, its finally run, MpTaskTimeout last' {
        $file = Join-Path $TestDrive 'finally.txt'
        $p = Start-MpProcess { try { Start-Sleep 600 } finally { Set-Content $using:file 'ran' } } -Inline -Timeout 0.5
        $p.State | Should -Be 'Stopped'
        Get-Content $file | Should -Be 'ran'
        $errs = $null
        $p | Receive-MpProcess -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs[-1].FullyQualifiedErrorId | Should -BeLike 'MpTaskTimeout*'
    }

    It 'applies -Environment and -WorkingDirectory while it runs, and leaves the caller''s as they were' {
        $here = (Get-Location).Path
        $env:MP_INLINE_TEST = 'caller'
        try {
            $got = Start-MpProcess { "$env:MP_INLINE_TEST $((Get-Location).Path)" } -Inline -Wait -Environment @{ MP_INLINE_TEST = 'child' } -WorkingDirectory $TestDrive
            $got | Should -Be "child $TestDrive"
            $env:MP_INLINE_TEST | Should -Be 'caller'
            (Get-Location).Path | Should -Be $here
        }
        finally { $env:MP_INLINE_TEST = $null }
    }

    It 'reaches a queue and a pipe as a child does' {
        $q = New-MpQueue
        $a, $b = New-MpPipe
        Start-MpProcess { ($using:q).Put('queued'); ($using:b).Send('piped') } -Inline | Wait-MpProcess | Out-Null
        $q.Get(5) | Should -Be 'queued'
        $a.Receive(5) | Should -Be 'piped'
    }
}
