# What users coming from Start-Job, ThreadJob and ForEach-Object -Parallel expect (issue 17).
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:Pool = New-MpPool -Size 1
}

AfterAll {
    Get-MpPool | Stop-MpPool
    Remove-AllMpProcess
}

Describe 'Paths and names as a job takes them' {
    It 'starts children, pools and inline scripts from a folder whose name has [ in it: paths are literal' {
        $folder = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'a[b]c') -Force
        Push-Location -LiteralPath $folder.FullName
        try {
            Start-MpProcess { $PWD.ProviderPath } -Wait | Should -Be $folder.FullName
            Start-MpProcess { $PWD.ProviderPath } -Inline -Wait | Should -Be $folder.FullName
            Invoke-MpPool { $PWD.ProviderPath } -InputObject 1 -Size 1 | Should -Be $folder.FullName
            Start-MpProcess { $PWD.ProviderPath } -WorkingDirectory $folder.FullName -Wait | Should -Be $folder.FullName
        }
        finally { Pop-Location }
    }

    It 'takes a dotted module name for a name, not a relative path (<Command>)' -ForEach @(
        @{ Command = 'New-MpPool' }
        @{ Command = 'Start-MpProcess' }
    ) {
        if ($Command -eq 'New-MpPool') {
            $pool = New-MpPool -Size 1 -Module Microsoft.PowerShell.Utility
            try { Invoke-MpPool { (Get-Module Microsoft.PowerShell.Utility).Name } -InputObject 1 -Pool $pool | Should -Be 'Microsoft.PowerShell.Utility' }
            finally { Stop-MpPool $pool }
        }
        else {
            Start-MpProcess { (Get-Module Microsoft.PowerShell.Utility).Name } -Module Microsoft.PowerShell.Utility -Wait | Should -Be 'Microsoft.PowerShell.Utility'
        }
    }

    It 'still takes a module given as a path, relative to this location' {
        $folder = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'mods') -Force
        'function Get-Marker { ''marked'' }' | Set-Content (Join-Path $folder 'Marker.psm1')
        Push-Location -LiteralPath $folder.FullName
        try { Start-MpProcess { Get-Marker } -Module Marker.psm1 -Wait | Should -Be 'marked' }
        finally { Pop-Location }
    }

    It 'refuses a blank -WorkingDirectory in parameter validation' {
        { Start-MpProcess {} -WorkingDirectory ' ' } | Should -Throw -ErrorId 'ParameterArgumentValidationError,Multiproc.Commands.StartMpProcessCommand'
    }
}

Describe 'MpProcess as a job' {
    It 'has more data while it runs, before anything is buffered, as a running job has' {
        $p = Start-MpProcess { Start-Sleep 30 }
        try {
            $p.State | Should -Be 'Running'
            $p.HasMoreData | Should -BeTrue
        }
        finally { Stop-MpProcess $p -Force }
        $p | Wait-MpProcess | Out-Null
        $p.HasMoreData | Should -BeFalse
    }
}

Describe 'Output as a job gives it' {
    It 'gives $null back as $null, in its place (<Where>)' -ForEach @(
        @{ Where = 'map call' }
        @{ Where = 'Start-MpProcess' }
        @{ Where = '-Async task' }
    ) {
        $got = switch ($Where) {
            'map call' { 1..2 | Invoke-MpPool { $null; "after $_" } -Size 1 }
            'Start-MpProcess' { Start-MpProcess { $null; 'after' } -Wait }
            '-Async task' { , (Invoke-MpPool { $null } -Pool $script:Pool -Async).GetResult(120) }
        }
        $expected = switch ($Where) { 'map call' { $null, 'after 1', $null, 'after 2' } 'Start-MpProcess' { $null, 'after' } '-Async task' { , $null } }
        @($got).Count | Should -Be @($expected).Count
        for ($i = 0; $i -lt @($expected).Count; $i++) { @($got)[$i] | Should -Be @($expected)[$i] }
    }
}

Describe 'Hints for the common mistakes' {
    BeforeAll {
        function Get-Square($n) { $n * $n }
    }

    It 'warns once when a task reads a variable of the caller without $using:, naming the fix' {
        $factor = 10
        $warned = $null
        $got = 1..4 | Invoke-MpPool { $_ * $factor } -Pool $script:Pool -WarningVariable warned -WarningAction SilentlyContinue
        $got | Should -Be 0, 0, 0, 0
        $warned | Should -HaveCount 1
        "$warned" | Should -Be 'The scriptblock reads $factor, which it never sets: in the other process it is $null. To use this session''s value, write $using:factor.'
        $null = Start-MpProcess { $factor } -Wait -WarningVariable warned -WarningAction SilentlyContinue
        "$warned" | Should -BeLike '*reads $factor*$using:factor*'
    }

    It 'warns once when a task calls a function of the caller not given with -Function' {
        $warned = $null
        $null = 1..3 | Invoke-MpPool { Get-Square $_ } -Pool $script:Pool -WarningVariable warned -WarningAction SilentlyContinue -ErrorAction SilentlyContinue
        $warned | Should -HaveCount 1
        "$warned" | Should -Be 'The scriptblock calls Get-Square, a function of this session that the other process does not have. Give it with -Function Get-Square.'
    }

    It 'says nothing when the task does it right (<Case>)' -ForEach @(
        @{ Case = '$using:'; Run = { 1..2 | Invoke-MpPool { $_ * $using:factor } -Pool $script:Pool } }
        @{ Case = 'a member of a $using: value'; Run = { 1..2 | Invoke-MpPool { $_ * $using:factor.Length } -Pool $script:Pool } }
        @{ Case = '-Function'; Run = { 1..2 | Invoke-MpPool { Get-Square $_ } -Size 1 -Function Get-Square } }
        @{ Case = 'it sets the variable'; Run = { 1..2 | Invoke-MpPool { $factor = 2; foreach ($i in 1) { $_ * $factor * $i } } -Pool $script:Pool } }
        @{ Case = 'a parameter'; Run = { 1..2 | Invoke-MpPool { param($factor) $_ * $factor } -Pool $script:Pool -ArgumentList 3 } }
        @{ Case = 'its set-up sets it'; Run = { 1..2 | Invoke-MpPool { $_ * $factor } -Size 1 -InitializationScript { $factor = 5 } } }
        @{ Case = 'automatic variables'; Run = { 1..2 | Invoke-MpPool { "$PID $HOME $ErrorActionPreference $($PSVersionTable.PSVersion) $_" } -Pool $script:Pool } }
    ) {
        $factor = 10
        $all = & $Run 3>&1
        @($all | Where-Object { $_ -is [System.Management.Automation.WarningRecord] }) | Should -HaveCount 0
        @($all | Where-Object { $_ -isnot [System.Management.Automation.WarningRecord] }) | Should -HaveCount 2
    }
}

Describe '$using: as a job takes it' {
    It 'leaves a $using: in a nested call''s scriptblock to that call (<Where>)' -ForEach @(
        @{ Where = 'map call' }
        @{ Where = 'Start-MpProcess' }
        @{ Where = '-Async task' }
    ) {
        $v = 'caller'
        $got = switch ($Where) {
            'map call' { 1 | Invoke-MpPool { $v = 'in-task'; 1 | Invoke-MpPool { "got:[$using:v]" } -Size 1 -NoProgress } -Size 1 }
            'Start-MpProcess' { Start-MpProcess { $v = 'in-child'; Start-MpProcess { "got:[$using:v]" } -Wait } -Wait }
            '-Async task' {
                $pool = New-MpPool -Size 1
                try { (Invoke-MpPool { $v = 'in-task'; 1 | Invoke-MpPool { "got:[$using:v]" } -Size 1 -NoProgress } -Pool $pool -Async).GetResult(120) }
                finally { Stop-MpPool $pool }
            }
        }
        $got | Should -Be ($Where -eq 'Start-MpProcess' ? 'got:[in-child]' : 'got:[in-task]')
    }

    It 'takes a $using: in a nested scriptblock that runs in the task itself (& { }, ForEach-Object { })' {
        $v = 'caller'
        1 | Invoke-MpPool { & { "amp:$using:v" }; 1 | ForEach-Object { "fe:$using:v" } } -Size 1 | Should -Be 'amp:caller', 'fe:caller'
    }

    It 'leaves a $using: inside a nested ForEach-Object -Parallel to it' {
        $v = 'caller'
        Start-MpProcess { $v = 'in-child'; 1 | ForEach-Object -Parallel { "got:$using:v" } } -Wait | Should -Be 'got:in-child'
    }

    It 'refuses a $using: of a variable that does not exist, before anything starts (<Where>)' -ForEach @(
        @{ Where = 'map call' }
        @{ Where = 'Start-MpProcess' }
        @{ Where = '-Async task' }
        @{ Where = 'New-MpPool -InitializationScript' }
    ) {
        Remove-Variable nothere -ErrorAction Ignore
        $before = @(Get-MpProcess).Count
        $err = $null
        try {
            switch ($Where) {
                'map call' { 1 | Invoke-MpPool { "[$using:nothere]" } -Size 1 }
                'Start-MpProcess' { Start-MpProcess { "[$using:nothere]" } }
                '-Async task' { Invoke-MpPool { "[$using:nothere]" } -Pool $script:Pool -Async }
                'New-MpPool -InitializationScript' { New-MpPool -Size 1 -InitializationScript { $x = $using:nothere } }
            }
        }
        catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'MpUsingUndefined,*'
        $err.CategoryInfo.Category | Should -Be 'InvalidOperation'
        $err.Exception.Message | Should -BeLike '*$using:nothere*'
        @(Get-MpProcess).Count | Should -Be $before -Because 'nothing started'
    }

    It 'takes $using: of a variable set to $null, and of an environment variable' {
        $empty = $null
        $env:MP_PARITY_PROBE = 'probe'
        try { Start-MpProcess { "[$using:empty][$using:env:MP_PARITY_PROBE]" } -Wait | Should -Be '[][probe]' }
        finally { Remove-Item env:MP_PARITY_PROBE }
    }
}

Describe 'Error records keep their own ids' {
    It 'a record a task or child writes keeps its FullyQualifiedErrorId (<Where>)' -ForEach @(
        @{ Where = 'map call' }
        @{ Where = 'Start-MpProcess' }
        @{ Where = 'Receive-MpProcess' }
        @{ Where = '-Async task' }
        @{ Where = 'inline' }
    ) {
        $script = { Write-Error 'soft' -ErrorId 'MyOwnId'; Write-Error 'plain'; throw [InvalidOperationException]::new('hard') }
        $errs = $null
        switch ($Where) {
            'map call' { 1 | Invoke-MpPool $script -Size 1 -ErrorVariable errs -ErrorAction SilentlyContinue | Out-Null }
            'Start-MpProcess' { Start-MpProcess $script -Wait -ErrorVariable errs -ErrorAction SilentlyContinue | Out-Null }
            'Receive-MpProcess' {
                $p = Start-MpProcess $script
                $p | Wait-MpProcess | Out-Null
                Receive-MpProcess $p -ErrorVariable errs -ErrorAction SilentlyContinue | Out-Null
            }
            '-Async task' { Invoke-MpPool $script -Pool $script:Pool -Async | Receive-MpTask -ErrorVariable errs -ErrorAction SilentlyContinue | Out-Null }
            'inline' { 1 | Invoke-MpPool $script -Inline -ErrorVariable errs -ErrorAction SilentlyContinue | Out-Null }
        }
        @($errs | ForEach-Object FullyQualifiedErrorId) | Should -Be 'MyOwnId', 'Microsoft.PowerShell.Commands.WriteErrorException', 'hard'
    }

    It 'the module''s own errors still name the cmdlet (MpTaskTimeout)' {
        $errs = $null
        1 | Invoke-MpPool { Start-Sleep 30 } -Size 1 -TaskTimeout 1 -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs[0].FullyQualifiedErrorId | Should -Be 'MpTaskTimeout,Multiproc.Commands.InvokeMpPoolCommand'
    }
}

Describe 'A one-off pool takes New-MpPool''s set-up' {
    It 'defines -Function, imports -Module and runs -InitializationScript in each worker of the call''s pool' {
        function Get-ParityGreeting { "hello $args" }
        $folder = New-Item -ItemType Directory -Path (Join-Path $TestDrive 'setup-mods') -Force
        'function Get-ParityMarker { ''marked'' }' | Set-Content (Join-Path $folder 'ParityMarker.psm1')
        $prefix = 'init'
        1, 2 | Invoke-MpPool { "$(Get-ParityGreeting $_)|$(Get-ParityMarker)|$script:Ready" } -Size 2 `
            -Function Get-ParityGreeting -Module (Join-Path $folder 'ParityMarker.psm1') -InitializationScript { $script:Ready = "$using:prefix-$PID" } |
            ForEach-Object { $_ -replace '-\d+$', '-pid' } | Should -Be 'hello 1|marked|init-pid', 'hello 2|marked|init-pid'
    }

    It 'gives the same set-up to inline tasks' {
        function Get-ParityGreeting { "hello $args" }
        $prefix = 'init'
        1, 2 | Invoke-MpPool { "$(Get-ParityGreeting $_)|$Ready" } -Inline -Function Get-ParityGreeting -InitializationScript { $Ready = $using:prefix } |
            Should -Be 'hello 1|init', 'hello 2|init'
        Test-Path variable:Ready | Should -BeFalse -Because 'the set-up ran in the tasks'' scope, not the caller''s'
    }

    It 'refuses a -Function that is not defined, as New-MpPool does' {
        { 1 | Invoke-MpPool { 1 } -Size 1 -Function Get-NoSuchParityFunction } | Should -Throw -ErrorId 'MpInvalidArgument,*'
    }
}

Describe 'MpProcess as a job: members, filters, set-up' {
    It 'has InstanceId and Command, as a job has' {
        $a = Start-MpProcess { 'one' }
        $b = Start-MpProcess { 'two' }
        try {
            $a.InstanceId | Should -BeOfType [guid]
            $a.InstanceId | Should -Not -Be $b.InstanceId
            $a.Command.Trim() | Should -Be "'one'"
        }
        finally { $a, $b | Wait-MpProcess | Remove-MpProcess }
    }

    It 'shows what waits on each stream without taking it (Output, Error, Warning, Verbose, Debug, Information)' {
        $p = Start-MpProcess {
            'out'; Write-Error 'err' -ErrorId E1; Write-Warning 'warn'; Write-Verbose 'verb' -Verbose; Write-Debug 'dbg' -Debug; Write-Information 'info'
        }
        $p | Wait-MpProcess | Out-Null
        $p.Output | Should -Be 'out'
        $p.Error.FullyQualifiedErrorId | Should -Be 'E1'
        $p.Warning.Message | Should -Be 'warn'
        $p.Verbose.Message | Should -Be 'verb'
        $p.Debug.Message | Should -Be 'dbg'
        $p.Information.MessageData | Should -Be 'info'
        $p.Output | Should -Be 'out' -Because 'reading a collection takes nothing'
        Receive-MpProcess $p -ErrorAction SilentlyContinue -WarningAction SilentlyContinue 6>$null | Should -Be 'out'
        @($p.Output).Count + @($p.Error).Count + @($p.Warning).Count | Should -Be 0 -Because 'Receive-MpProcess took it'
        Remove-MpProcess $p
    }

    It 'stops with $p.Stop(), its finally blocks run' {
        $marker = Join-Path $TestDrive 'stop-method.txt'
        $p = Start-MpProcess { try { 'started'; Start-Sleep 60 } finally { Set-Content $using:marker 'cleaned up' } }
        Wait-Until { @(Receive-MpProcess $p -Keep) -contains 'started' } -Because 'the child to start'
        $p.Stop()
        $p.State | Should -Be 'Stopped'
        Get-Content $marker | Should -Be 'cleaned up'
        Remove-MpProcess $p
    }

    It 'removes a process with Receive-MpProcess -AutoRemove once all it wrote is received' {
        $p = Start-MpProcess { 'done' } -Name ParityAutoRemove
        Receive-MpProcess $p -Wait -AutoRemove | Should -Be 'done'
        Get-MpProcess -Name ParityAutoRemove -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'keeps a running process on Receive-MpProcess -AutoRemove without -Wait' {
        $p = Start-MpProcess { Start-Sleep 30 } -Name ParityAutoRemoveRunning
        try {
            Receive-MpProcess $p -AutoRemove
            Get-MpProcess -Name ParityAutoRemoveRunning | Should -Be $p
        }
        finally { Remove-MpProcess $p -Force }
    }

    It 'filters with Get-MpProcess -HasMoreData, -Before and -After, as Get-Job does' {
        $early = Start-MpProcess { 'early' } -Name ParityEarly
        $early | Wait-MpProcess | Out-Null
        Start-Sleep -Milliseconds 50   # two end times the clock tells apart
        $between = Get-Date
        Start-Sleep -Milliseconds 50
        $late = Start-MpProcess { } -Name ParityLate
        $late | Wait-MpProcess | Out-Null
        try {
            (Get-MpProcess -Name Parity* -HasMoreData $true).Name | Should -Be 'ParityEarly'
            (Get-MpProcess -Name Parity* -HasMoreData $false).Name | Should -Be 'ParityLate'
            (Get-MpProcess -Name Parity* -Before $between).Name | Should -Be 'ParityEarly'
            (Get-MpProcess -Name Parity* -After $between).Name | Should -Be 'ParityLate'
        }
        finally { $early, $late | Remove-MpProcess }
    }

    It 'runs -InitializationScript first, in the global scope, with its own $using:' {
        $greeting = 'hi'
        Start-MpProcess { "$global:Ready $(Get-ParityInit)" } -InitializationScript { $global:Ready = $using:greeting; function global:Get-ParityInit { 'init' } } -Wait |
            Should -Be 'hi init'
    }

    It 'runs a script file with -FilePath, with $using:, arguments and pipeline input' {
        $file = Join-Path $TestDrive 'job.ps1'
        'param($a) "$using:prefix $a $_"' | Set-Content $file
        $prefix = 'got'
        7 | Start-MpProcess -FilePath $file -ArgumentList 'arg' -Wait | Should -Be 'got arg 7'
        $p = Start-MpProcess -FilePath $file -ArgumentList 'x'
        $p.Command | Should -BeLike '*$using:prefix*'
        $p | Wait-MpProcess | Remove-MpProcess
    }

    It 'refuses a -FilePath that does not exist, before anything starts' {
        { Start-MpProcess -FilePath (Join-Path $TestDrive 'none.ps1') } | Should -Throw -ErrorId 'MpInvalidArgument,*'
    }

    It 'runs -FilePath and -InitializationScript inline too' {
        $file = Join-Path $TestDrive 'inline-job.ps1'
        '"$Ready $PID"' | Set-Content $file
        Start-MpProcess -FilePath $file -InitializationScript { $Ready = 'ready' } -Inline -Wait | Should -Be "ready $PID"
    }
}

Describe 'MpTask as a job' {
    It 'has InstanceId and Command' {
        $tasks = 1, 2 | Invoke-MpPool { $_ * 2 } -Pool $script:Pool -Async
        $tasks | Receive-MpTask | Out-Null
        $tasks[0].InstanceId | Should -BeOfType [guid]
        $tasks[0].InstanceId | Should -Not -Be $tasks[1].InstanceId
        $tasks[0].Command.Trim() | Should -Be '$_ * 2'
    }

    It 'shows Output, Error, ProcessId and Duration once it has run, for a success and a failure' {
        $gate = New-MpEvent
        $ok = Invoke-MpPool { param($g) $null = $g.Wait(60); Write-Error 'soft'; $PID; 'out' } -Pool $script:Pool -ArgumentList $gate -Async
        $bad = 7 | Invoke-MpPool { Start-Sleep -Milliseconds 300; throw "bad $_" } -Pool $script:Pool -Async
        $ok.Output | Should -HaveCount 0
        $ok.Error | Should -HaveCount 0
        $ok.ProcessId | Should -BeNullOrEmpty
        $ok.Duration | Should -BeNullOrEmpty
        ($ok | Out-String) | Should -BeLike '*Pending*$g.Wait(60)*' -Because 'a task without input shows its command'
        $gate.Set()
        $null = Wait-MpTask $ok, $bad -Timeout 60
        $ok.Output | Should -Be $ok.ProcessId, 'out'
        $ok.ProcessId | Should -Not -Be $PID
        $ok.Error.Exception.Message | Should -Be 'soft'
        $bad.Output | Should -HaveCount 0
        $bad.Error.Exception.Message | Should -Be 'bad 7'
        $bad.Error.TargetObject | Should -Be 7
        $bad.ProcessId | Should -BeGreaterThan 0
        $bad.Duration.TotalSeconds | Should -BeGreaterOrEqual 0.3
        $bad.Duration.TotalSeconds | Should -BeLessThan 30
        ($bad | Out-String) | Should -Match "Failed\s+$($bad.ProcessId)\s+\d+\.\d{3} s\s+7"
    }
}

Describe 'Tab completion' {
    It 'completes module names for -Module of <Command>' -ForEach @(
        @{ Command = 'Start-MpProcess {} -Module Microsoft.PowerShell.Ut' }
        @{ Command = 'New-MpPool -Module Microsoft.PowerShell.Ut' }
        @{ Command = 'Invoke-MpPool {} -Module Microsoft.PowerShell.Ut' }
    ) {
        $completion = TabExpansion2 -inputScript $Command -cursorColumn $Command.Length
        $completion.CompletionMatches.CompletionText | Should -Contain 'Microsoft.PowerShell.Utility'
    }
}

Describe 'Write-Progress in a child or task shows in the caller' {
    BeforeAll {
        # A runspace of its own records what it would draw: its progress records are what a console shows.
        function Get-ShownProgress([string] $Script) {
            $ps = [powershell]::Create()
            try {
                $null = $ps.AddScript("Import-Module '$script:ModulePath'; $Script").Invoke()
                $ps.Streams.Error | ForEach-Object { throw $_ }
                @($ps.Streams.Progress.ReadAll())
            }
            finally { $ps.Dispose() }
        }
    }

    It 'shows a task''s bar under the call''s own bar, and takes it down when the task ends' {
        $shown = Get-ShownProgress "1 | Invoke-MpPool { Write-Progress -Activity 'copying' -Status 'half way' -PercentComplete 50; Start-Sleep -Milliseconds 1600 } -Size 1"
        $call = @($shown | Where-Object Activity -EQ 'Invoke-MpPool')[0]
        $call | Should -Not -BeNullOrEmpty -Because 'the call ran over a second'
        $task = @($shown | Where-Object Activity -EQ 'copying')
        $task[0].StatusDescription | Should -Be 'half way'
        $task[0].PercentComplete | Should -Be 50
        $task[0].ParentActivityId | Should -Be $call.ActivityId
        @($shown | Where-Object { $_.ActivityId -eq $task[0].ActivityId -and $_.RecordType -eq 'Completed' }).Count | Should -BeGreaterThan 0
    }

    It 'keeps a task''s nested bars nested' {
        $shown = Get-ShownProgress "1 | Invoke-MpPool { Write-Progress -Id 1 -Activity 'outer' -Status 'o'; Write-Progress -Id 2 -ParentId 1 -Activity 'inner' -Status 'i'; Start-Sleep -Milliseconds 300 } -Size 1"
        $outer = @($shown | Where-Object Activity -EQ 'outer')[0]
        $inner = @($shown | Where-Object Activity -EQ 'inner')[0]
        $inner.ParentActivityId | Should -Be $outer.ActivityId
    }

    It 'shows a child''s bar with Start-MpProcess -Wait, and keeps it in the process''s Progress until received' {
        $shown = Get-ShownProgress "Start-MpProcess { Write-Progress -Activity 'child work' -Status 'going' -PercentComplete 30; 'done' } -Wait"
        $child = @($shown | Where-Object Activity -EQ 'child work')[0]
        $child.StatusDescription | Should -Be 'going'
        $child.PercentComplete | Should -Be 30

        $p = Start-MpProcess { Write-Progress -Activity 'kept' -Status 'waiting' }
        $p | Wait-MpProcess | Out-Null
        $p.Progress.Activity | Should -Be 'kept'
        Receive-MpProcess $p
        $p.Progress | Should -BeNullOrEmpty
        Remove-MpProcess $p
    }

    It 'sends nothing when the task''s $ProgressPreference hides it, and nothing with -NoProgress' {
        $shown = Get-ShownProgress "1 | Invoke-MpPool { `$ProgressPreference = 'SilentlyContinue'; Write-Progress -Activity 'hidden' -Status 'h' } -Size 1; 1 | Invoke-MpPool { Write-Progress -Activity 'hidden too' -Status 'h'; Start-Sleep -Milliseconds 200 } -Size 1 -NoProgress"
        @($shown | Where-Object Activity -Like 'hidden*') | Should -BeNullOrEmpty
    }

    It 'sends a bar updated in a tight loop ten times a second at most, and its end' {
        $shown = Get-ShownProgress "1 | Invoke-MpPool { foreach (`$i in 1..20000) { Write-Progress -Activity 'tight' -Status `"`$i`" -PercentComplete (`$i / 200) }; Write-Progress -Activity 'tight' -Completed } -Size 1"
        $tight = @($shown | Where-Object Activity -EQ 'tight')
        $tight.Count | Should -BeLessThan 200 -Because 'updates are dropped when they come faster than the caller draws'
        $tight.Count | Should -BeGreaterThan 0
    }
}

Describe '-Unordered streams what a running task writes' {
    It 'gives the caller a task''s first output while the task still runs (it waits for the caller to have it)' {
        $flag = Join-Path $TestDrive 'got-first'
        $got = 1 | Invoke-MpPool {
            'first'
            Write-Warning 'warned'
            $deadline = [DateTime]::UtcNow.AddSeconds(30)
            while (-not (Test-Path $using:flag) -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 20 }
            if (Test-Path $using:flag) { 'second' } else { 'the caller never got the first' }
        } -Size 1 -Unordered -WarningVariable warned -WarningAction SilentlyContinue | ForEach-Object {
            if ($_ -eq 'first') { $null = New-Item $flag }
            $_
        }
        $got | Should -Be 'first', 'second'
        $warned.Message | Should -Be 'warned'
    }

    It 'streams each task''s output exactly once, in its order, while workers are killed mid-task (300 tasks)' {
        $killers = 30, 95, 160, 225, 290
        $errs = $null
        $got = 1..300 | Invoke-MpPool {
            "$_ a"
            Start-Sleep -Milliseconds 25
            if ($_ -in $using:killers) { [Diagnostics.Process]::GetCurrentProcess().Kill() }
            "$_ b"
        } -Size 2 -Unordered -ErrorVariable errs -ErrorAction SilentlyContinue
        $byInput = $got | Group-Object { [int]($_ -split ' ')[0] } -AsHashTable
        $wrong = foreach ($n in 1..300) {
            $expected = if ($n -in $killers) { "$n a" } else { "$n a", "$n b" }
            if ("$($byInput[$n])" -ne "$expected") { "$n gave [$($byInput[$n])]" }
        }
        @($wrong) | Should -BeNullOrEmpty -Because 'no output lost, doubled or out of its order'
        @($errs | ForEach-Object TargetObject | Sort-Object) | Should -Be $killers
        @($errs | Where-Object FullyQualifiedErrorId -NotLike 'MpWorkerLost,*') | Should -BeNullOrEmpty
    }

    It 'still gives quick tasks'' results whole and once (they are not streamed)' {
        $got = 1..20000 | Invoke-MpPool { $_; -$_ } -Size 2 -Unordered
        $got.Count | Should -Be 40000
        ($got | Measure-Object -Sum).Sum | Should -Be 0
        @($got | Where-Object { $_ -gt 0 } | Sort-Object -Unique).Count | Should -Be 20000
    }
}

Describe 'Set-up and streaming details' {
    It 'tags streamed records with the worker that wrote them, as the rest of the task''s' {
        $w = $null
        $got = 1 | Invoke-MpPool { Write-Warning 'early'; $PID; Start-Sleep -Milliseconds 400; Write-Warning 'late' } -Size 1 -Unordered -WarningVariable w -WarningAction SilentlyContinue
        @($w).Count | Should -Be 2
        $w | ForEach-Object { $_.MpSource.ProcessId } | Should -Be $got, $got
        $w[0].MpSource.Attempt | Should -Be 1
    }

    It 'keeps an initialization script''s $using: apart from the script''s (<Where>)' -ForEach @(
        @{ Where = 'Start-MpProcess' }
        @{ Where = 'one-off pool' }
        @{ Where = 'inline pool' }
    ) {
        $a = 'A'; $b = 'B'
        $got = switch ($Where) {
            'Start-MpProcess' { Start-MpProcess { "$using:b $(Get-ParityA)" } -InitializationScript { function global:Get-ParityA { $using:a } } -Wait }
            'one-off pool' { 1 | Invoke-MpPool { "$using:b $(Get-ParityA)" } -Size 1 -InitializationScript { function global:Get-ParityA { $using:a } } }
            'inline pool' { 1 | Invoke-MpPool { "$using:b $(Get-ParityA)" } -Inline -InitializationScript { function Get-ParityA { $using:a } } }
        }
        $got | Should -Be 'B A'
    }

    It 'fails an inline task whose set-up throws, as a worker''s would fail, and goes on' {
        $errs = $null
        $got = 1, 2 | Invoke-MpPool { $_ } -Inline -InitializationScript { throw 'set-up broke' } -ErrorVariable errs -ErrorAction SilentlyContinue
        $got | Should -BeNullOrEmpty
        @($errs).Count | Should -Be 2
        $errs[0].Exception.Message | Should -Be 'set-up broke'
        $p = Start-MpProcess { 'never' } -InitializationScript { throw 'set-up broke' } -Inline
        $p.State | Should -Be 'Failed'
        $p.Error.Exception.Message | Should -Be 'set-up broke'
        Remove-MpProcess $p
    }

    It 'discards an inline pool set-up''s output, as a worker does' {
        1, 2 | Invoke-MpPool { $_ } -Inline -InitializationScript { 'noise' } | Should -Be 1, 2
    }

    It 'leaves a $using: in a module-qualified nested call to it, and takes one in a nested call''s -Callback' {
        $v = 'caller'
        1 | Invoke-MpPool { $v = 'in-task'; 1 | Multiproc\Invoke-MpPool { "got:[$using:v]" } -Size 1 -NoProgress } -Size 1 | Should -Be 'got:[in-task]'
        $tasks = 1 | Invoke-MpPool {
            $pool = New-MpPool -Size 1
            try {
                $seen = [System.Collections.Generic.List[string]]::new()
                $t = Invoke-MpPool { 'done' } -Pool $pool -Async -Callback { $seen.Add("cb:$using:v") }
                Wait-MpPool $pool
                $seen
            }
            finally { Stop-MpPool $pool }
        } -Size 1
        $tasks | Should -Be 'cb:caller'
    }

    It 'filters an -Id silently, as Get-Job does, and says MpProcessNotFound only for an id no process has' {
        $p = Start-MpProcess { }
        $p | Wait-MpProcess | Out-Null
        $err = $null
        Get-MpProcess -Id $p.Id -State Running -ErrorVariable err | Should -BeNullOrEmpty
        $err | Should -BeNullOrEmpty
        Get-MpProcess -Id $p.Id -HasMoreData $false | Should -Be $p
        Remove-MpProcess $p
    }
}
