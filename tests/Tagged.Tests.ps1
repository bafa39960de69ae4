# Tagged records (SPEC §10): every record from a child or a task says where it came from.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:Pool = New-MpPool -Size 2 -Name 'tagged'

    # Every kind of record, each naming the input it belongs to.
    $script:Writer = {
        Write-Warning "warning $_"
        Write-Verbose "verbose $_" -Verbose
        Write-Debug "debug $_" -Debug
        Write-Information "information $_"
        Write-Error "error $_"
    }

    # The records a command wrote, by kind: every stream merged into the output, none dropped by a preference.
    function Get-Record([scriptblock] $Command) {
        $ErrorActionPreference = $WarningPreference = $VerbosePreference = $DebugPreference = $InformationPreference = 'Continue'
        $all = & $Command *>&1
        $of = { param($type) , @($all | Where-Object { $_ -is $type }) }
        @{
            Error = & $of ([System.Management.Automation.ErrorRecord]); Warning = & $of ([System.Management.Automation.WarningRecord])
            Verbose = & $of ([System.Management.Automation.VerboseRecord]); Debug = & $of ([System.Management.Automation.DebugRecord])
            Information = & $of ([System.Management.Automation.InformationRecord])
        }
    }

    # Asserts that each record of each kind carries the source of the input its text names.
    function Assert-Tagged([hashtable] $Records, [int[]] $ProcessIds, [string[]] $Inputs, [switch] $NoIndex) {
        foreach ($kind in 'Error', 'Warning', 'Verbose', 'Debug', 'Information') {
            $Records[$kind] | Should -HaveCount $Inputs.Count -Because "one $kind record per input"
            foreach ($record in $Records[$kind]) {
                $text = switch ($kind) { 'Information' { "$($record.MessageData)" } 'Error' { $record.Exception.Message } default { "$record" } }
                $input = $text.Split(' ')[-1]
                $source = $record.MpSource
                $source | Should -BeOfType [Multiproc.MpSource] -Because "the $kind record '$text' is tagged"
                $source.Input | Should -Be $input
                if ($NoIndex) { $source.InputIndex | Should -BeNullOrEmpty }
                else { $source.InputIndex | Should -Be ([array]::IndexOf($Inputs, $input)) }
                $source.ProcessId | Should -BeIn $ProcessIds
                $source.HostName | Should -Be ([Environment]::MachineName)
                $source.Attempt | Should -Be 1
                if ($kind -eq 'Information') { $record.Tags | Should -Contain "mp:pid=$($source.ProcessId)" }
            }
        }
    }
}

AfterAll {
    Get-MpPool | Stop-MpPool
    Remove-AllMpProcess
}

Describe 'MpSource on records' {
    It 'tags each kind of record from a pool task with its worker, input, position and attempt' {
        $records = Get-Record { 'a', 'b', 'c', 'd' | Invoke-MpPool $script:Writer -Pool $script:Pool -ChunkSize 1 }
        Assert-Tagged $records $script:Pool.WorkerIds 'a', 'b', 'c', 'd'
    }

    It 'tags each kind of record from a child with its pid and input, its position in the command''s input' {
        $processes = 'a', 'b' | Start-MpProcess $script:Writer
        $processes | Wait-MpProcess | Out-Null
        $records = Get-Record { $processes | Receive-MpProcess }
        Assert-Tagged $records $processes.Id 'a', 'b'
        $records.Warning.MpSource.ProcessId | Should -Be $processes.Id
    }

    It 'tags a child''s records without input with no position' {
        $records = Get-Record { Start-MpProcess { $_ = 'x'; & $using:Writer } -Wait }
        $records.Warning[0].MpSource.InputIndex | Should -BeNullOrEmpty
        $records.Warning[0].MpSource.ProcessId | Should -Not -Be $PID
    }

    It 'tags the records of -Async tasks with their position in the command, on Receive-MpTask' {
        $tasks = 'a', 'b', 'c' | Invoke-MpPool $script:Writer -Pool $script:Pool -Async
        $tasks | Wait-MpTask | Out-Null
        $records = Get-Record { $tasks | Receive-MpTask }
        Assert-Tagged $records $script:Pool.WorkerIds 'a', 'b', 'c'
        $tasks.InputIndex | Should -Be 0, 1, 2
    }

    It 'tags records of inline tasks with this process' {
        $records = Get-Record { 'a', 'b' | Invoke-MpPool $script:Writer -Inline }
        Assert-Tagged $records $PID 'a', 'b'
    }

    It 'keeps -WarningAction Stop working on tagged warnings' {
        { 1 | Invoke-MpPool { Write-Warning 'stop here' } -Pool $script:Pool -WarningAction Stop 3>$null } |
            Should -Throw -ErrorId 'ActionPreferenceStop,Multiproc.Commands.InvokeMpPoolCommand'
    }

    It 'gives a failure its last attempt, and the worker that ran it' {
        $errs = $null
        'x' | Invoke-MpPool { throw "fails $_" } -Pool $script:Pool -RetryCount 2 -RetryDelay 0.01 -RetryOn '*' -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs | Should -HaveCount 1
        $errs[0].MpSource.Attempt | Should -Be 3
        $errs[0].MpSource.InputIndex | Should -Be 0
        $errs[0].MpSource.ProcessId | Should -BeIn $script:Pool.WorkerIds
    }
}

Describe 'Invoke-MpPool -HostPrefix' {
    It 'starts each line a task writes to the host with [pid:index], from workers and inline' {
        # Two workers print at once: each Write-Host is one write, so only whole calls are compared across
        # workers; text written in parts (-NoNewline) is checked on one worker, where nothing comes between.
        $command = "Import-Module '$script:ModulePath'; " +
            "0..3 | Invoke-MpPool { Write-Host ""line `$_``nsecond `$_"" } -Size 2 -ChunkSize 1 -HostPrefix; " +
            "4 | Invoke-MpPool { Write-Host -NoNewline 'part '; Write-Host ""end `$_"" } -Size 1 -HostPrefix; " +
            "'x' | Invoke-MpPool { Write-Host 'inline' } -Inline -HostPrefix; " +
            "'y' | Invoke-MpPool { Write-Host 'plain' } -Size 1"
        $out = @(& $script:Pwsh -NoProfile -NonInteractive -Command $command)
        $LASTEXITCODE | Should -Be 0
        $lines = $out | Where-Object { $_ -match '^\[\d+:\d+\] (line|second) \d$' }
        $lines | Should -HaveCount 8 -Because ($out -join "`n")
        foreach ($index in 0..3) {
            $mine = @($lines | Where-Object { $_ -match " $index$" })
            $mine | Should -HaveCount 2
            $mine[0] -match "^\[(\d+):$index\] line $index$" | Should -BeTrue -Because $mine[0]
            $mine[1] | Should -Be "[$($Matches[1]):$index] second $index"
        }
        @($out | Where-Object { $_ -match '^\[\d+:0\] part end 4$' }) | Should -HaveCount 1 -Because ($out -join "`n")
        @($out | Where-Object { $_ -match '^\[\d+:0\] inline$' }) | Should -HaveCount 1
        $out | Should -Contain 'plain'
    }
}

Describe 'Error messages say where they came from' {
    It 'names the input and the worker of a task''s error, and the process of a child''s' {
        $errs = $null
        $out = 1..6 | Invoke-MpPool { if ($_ % 3 -eq 0) { throw 'bad item' }; $_ } -Size 2 -ErrorVariable errs -ErrorAction SilentlyContinue
        $out | Should -Be 1, 2, 4, 5
        $errs | Should -HaveCount 2
        foreach ($e in $errs) {
            "$e" | Should -Be "bad item (input $($e.TargetObject), process $($e.MpSource.ProcessId))"
            $e.Exception.Message | Should -Be 'bad item' -Because 'the exception is as the task threw it'
        }
        $errs.TargetObject | Should -Be 3, 6
        $childErrs = $null
        $child = Start-MpProcess { Write-Error 'err 1'; $PID }
        $childPid = $child | Receive-MpProcess -Wait -Keep -ErrorVariable childErrs -ErrorAction SilentlyContinue
        "$childErrs" | Should -Be "err 1 (process $childPid)"
        $again = $null
        $null = $child | Receive-MpProcess -ErrorVariable again -ErrorAction SilentlyContinue
        "$again" | Should -Be "err 1 (process $childPid)" -Because 'a record received again says where once'
    }

    It 'shortens a long input to 40 characters on one line' {
        $errs = $null
        $null = ('x' * 100 + "`nmore") | Invoke-MpPool { throw 'no' } -Size 1 -ErrorVariable errs -ErrorAction SilentlyContinue
        "$errs" | Should -BeLike "no (input $('x' * 39)…, process *)"
    }

    It 'names the $using: variable that is too large to cross, not the table that carries it' {
        $limit = [Multiproc.MpSettings]::MaxMessageBytes
        [Multiproc.MpSettings]::MaxMessageBytes = 100000
        try {
            $small = 1
            $lookup = @{ a = 'x' * 200000 }
            { 1..2 | Invoke-MpPool { $using:small + $using:lookup.Count } -Size 1 } | Should -Throw '$using:lookup cannot be sent to another process. A value of type `[System.Collections.Hashtable`] serializes to *'
            { Start-MpProcess { $using:lookup.Count } } | Should -Throw '$using:lookup cannot be sent to another process.*'
        }
        finally { [Multiproc.MpSettings]::MaxMessageBytes = $limit }
    }
}
