# Ctrl+C pressed in a real terminal: an interactive pwsh in tmux, driven key by key.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:Tmux = (Get-Command tmux -ErrorAction Ignore).Source
    $script:Socket = "multiproc-test-$PID"   # a tmux server of its own, apart from anyone's

    function Invoke-Tmux([string[]] $Arguments) { & $script:Tmux -L $script:Socket @Arguments }

    # The terminal's text, history included, one line each.
    function Get-Screen { @(Invoke-Tmux 'capture-pane', '-p', '-S', '-500', '-t', 'mp') | ForEach-Object TrimEnd }

    function Send-Line([string] $Line) { Invoke-Tmux 'send-keys', '-t', 'mp', '-l', $Line; Invoke-Tmux 'send-keys', '-t', 'mp', 'Enter' }

    # Waits until the prompt comes back after $Before prompts were shown: keys typed before it may be lost.
    function Wait-Prompt([int] $Before, [double] $TimeoutSeconds = 60) {
        Wait-Until { @(Get-Screen | Where-Object { $_ -match '^PS .*>' }).Count -gt $Before } -TimeoutSeconds $TimeoutSeconds -Because 'the prompt to come back'
    }

    function Get-PromptCount { @(Get-Screen | Where-Object { $_ -match '^PS .*>' }).Count }

    # Waits for a line of output that matches $Pattern (typed text is echoed with its quotes, output without).
    function Wait-Output([string] $Pattern, [double] $TimeoutSeconds = 60) {
        try { Wait-Until { (Get-Screen) -match $Pattern } -TimeoutSeconds $TimeoutSeconds -Because "output matching '$Pattern'" }
        catch { throw "$_ The terminal shows:`n$((Get-Screen | Where-Object { $_ }) -join "`n")" }
        @(Get-Screen) -match $Pattern | Select-Object -Last 1
    }
}

Describe 'Ctrl+C at an interactive prompt' {
    BeforeAll {
        if (-not $script:Tmux) { return }
        Invoke-Tmux 'new-session', '-d', '-s', 'mp', '-x', '220', '-y', '50', "'$script:Pwsh' -NoProfile -NoLogo"
        $script:TerminalPid = [int](Invoke-Tmux 'display-message', '-p', '-t', 'mp', '#{pane_pid}')
        $null = Wait-Output '^PS .*>$'   # typed before the prompt, a line may be lost
        Send-Line "Import-Module '$script:ModulePath'; 'module ' + 'ready'"
        $null = Wait-Output '^module ready$'
    }

    AfterAll {
        if ($script:Tmux) { Invoke-Tmux 'kill-server' 2>$null }
    }

    It 'ends <Method> waiting forever within a second, and the object works after' -ForEach @(
        @{ Method = '$q.Get()'; Setup = '$q = New-MpQueue'; After = '$q.Put(1); "usable $mk $($q.Get())"' }
        @{ Method = '$a.Receive()'; Setup = '$a, $b = New-MpPipe'; After = '$b.Send(2); "usable $mk $($a.Receive())"' }
        @{ Method = '$t.GetResult()'; Setup = '$p = New-MpPool -Size 2; $t = Invoke-MpPool { Start-Sleep 600 } -Pool $p -Async'
            After = '"usable $mk $((Invoke-MpPool { 3 } -Pool $p -Async).GetResult(60))"; Stop-MpPool $p' }
        @{ Method = '$lock.Acquire()'
            Setup = '$lock = New-MpLock; $held = New-MpEvent; $c = Start-MpProcess { param($l, $e) $null = $l.Acquire(); $e.Set(); Start-Sleep 600 } -ArgumentList $lock, $held; $null = $held.Wait(60)'
            After = 'Stop-MpProcess $c -Force; "usable $mk $($lock.Acquire(30))"' }
    ) {
        if (-not $script:Tmux) { Set-ItResult -Skipped -Because 'tmux is not installed'; return }
        $mark = [guid]::NewGuid().ToString('N').Substring(0, 8)
        Send-Line "`$mk = '$mark'; $Setup; 'set ' + 'up $mark'"
        $null = Wait-Output "^set up $mark$"
        # The line says which thread runs it; the method waits once that thread is found parked.
        Send-Line "'tid ' + (Get-Item /proc/thread-self).Target.Split('/')[-1] + ' $mark'; $Method; 'not ' + 'interrupted $mark'"
        $tid = [int](((Wait-Output "^tid \d+ $mark$") -split ' ')[1])
        Wait-Until { Test-ThreadParked $tid -ProcessId $script:TerminalPid } -Because "$Method to wait"
        $prompts = Get-PromptCount
        $watch = [Diagnostics.Stopwatch]::StartNew()
        Invoke-Tmux 'send-keys', '-t', 'mp', 'C-c'
        Wait-Prompt $prompts -TimeoutSeconds 30
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 5 -Because 'the prompt comes back at once (about a second, with tmux in between)'
        Send-Line "'alive ' + '$mark'"
        $null = Wait-Output "^alive $mark$"
        (Get-Screen) -match "^not interrupted $mark$" | Should -BeNullOrEmpty
        Send-Line $After
        Wait-Output "^usable $mark \S+$" | Should -Match "^usable $mark (1|2|3|True)$"
    }
}

Describe 'A second Ctrl+C' {
    BeforeAll {
        if (-not $script:Tmux) { return }
        Invoke-Tmux 'new-session', '-d', '-s', 'mp', '-x', '220', '-y', '50', "'$script:Pwsh' -NoProfile -NoLogo"
        $null = Wait-Output '^PS .*>$'
        Send-Line "Import-Module '$script:ModulePath'; 'module ' + 'ready'"
        $null = Wait-Output '^module ready$'
    }

    AfterAll {
        if ($script:Tmux) { Invoke-Tmux 'kill-server' 2>$null }
    }

    It 'kills at once the tasks the first one could not stop, long before their -StopGrace' {
        if (-not $script:Tmux) { Set-ItResult -Skipped -Because 'tmux is not installed'; return }
        $started = (New-Item -ItemType Directory (Join-Path ([IO.Path]::GetTempPath()) "mp-second-$([guid]::NewGuid())")).FullName
        try {
            # Each task writes its worker's pid and then ignores a soft stop; the grace is ten minutes.
            Send-Line "1..2 | Invoke-MpPool { Set-Content (Join-Path '$started' `$_) `$PID; [Threading.Thread]::Sleep(600000) } -Size 2 -ChunkSize 1 -StopGrace 600"
            Wait-Until { @(Get-ChildItem $started).Count -eq 2 } -Because 'both tasks to run'
            $workers = Get-ChildItem $started | ForEach-Object { [int](Get-Content $_.FullName) }
            $prompts = Get-PromptCount
            Invoke-Tmux 'send-keys', '-t', 'mp', 'C-c'
            # Two SIGINTs a microsecond apart merge into one (a signal pending is not queued twice): press
            # again as a person would, a moment later. The test's outcome does not rest on this pause.
            Start-Sleep -Milliseconds 500
            Invoke-Tmux 'send-keys', '-t', 'mp', 'C-c'
            Wait-Prompt $prompts -TimeoutSeconds 60
            Send-Line "'alive ' + 'after two'"
            $null = Wait-Output '^alive after two$'
            Wait-Until { -not ($workers | Where-Object { Test-ProcessAlive $_ }) } -Because 'the workers to be killed'
        }
        finally { Remove-Item $started -Recurse -Force }
    }
}

Describe 'Output at an idle prompt' {
    BeforeAll {
        if (-not $script:Tmux) { return }
        # No guesses from history drawn after the typed text, and no history kept.
        $options = 'Set-PSReadLineOption -PredictionSource None -HistorySaveStyle SaveNothing'
        Invoke-Tmux 'new-session', '-d', '-s', 'mp', '-x', '120', '-y', '40', "'$script:Pwsh' -NoProfile -NoLogo -NoExit -Command '$options'"
        $null = Wait-Output '^PS .*>$'
        Send-Line "Import-Module '$script:ModulePath'; `$p = New-MpPool -Size 1; 'pool ' + 'ready'"
        $null = Wait-Output '^pool ready$'
        $script:Prompt = ((Get-Screen) -match '^PS .*>' | Select-Object -Last 1) -replace '>.*$', '> '

        # The screen's lines from the last $Line on, blank ones left out.
        function Get-ScreenFrom([string] $Line) {
            $screen = @(Get-Screen | Where-Object { $_ })
            $at = [array]::LastIndexOf($screen, $Line)
            if ($at -ge 0) { $screen[$at..($screen.Count - 1)] }
        }

        # What prints two lines, the second in green, once the file $done exists: '$mark' is the first line's end.
        $wait = "while (-not (Test-Path '{done}')) { Start-Sleep -Milliseconds 20 }"
        $script:Sources = @{
            'a callback' = "`$null = Invoke-MpPool { $wait; '{mark}' } -Pool `$p -Async -Callback { Write-Host ('callback ' + `$_); Write-Host 'in colour' -ForegroundColor Green }"
            'a pool task' = "`$null = Invoke-MpPool { $wait; Write-Host ('task ' + '{mark}'); Write-Host 'in colour' -ForegroundColor Green } -Pool `$p -Async"
            'a child' = "`$c = Start-MpProcess { $wait; Write-Host ('child ' + '{mark}'); Write-Host 'in colour' -ForegroundColor Green }"
            "a child's standard error" = "`$c = Start-MpProcess { $wait; [Console]::Error.WriteLine('error ' + '{mark}'); [Console]::Error.WriteLine('in ' + 'colour') }"
        }
    }

    AfterAll {
        if ($script:Tmux) { Invoke-Tmux 'kill-server' 2>$null }
    }

    It "shows a child's line without a key when another child ended at the prompt before it" {
        if (-not $script:Tmux) { Set-ItResult -Skipped -Because 'tmux is not installed'; return }
        # A process that ends while the prompt waits leaves PSReadLine running no event until a key.
        $mark = [guid]::NewGuid().ToString('N').Substring(0, 8)
        $first, $second = "$([IO.Path]::GetTempPath())mp-first-$mark", "$([IO.Path]::GetTempPath())mp-second-$mark"
        $wait = "while (-not (Test-Path `$args[0])) { Start-Sleep -Milliseconds 20 }"
        Send-Line "`$a = Start-MpProcess { $wait; Write-Host ('first ' + '$mark') } -ArgumentList '$first'; `$b = Start-MpProcess { $wait; Write-Host ('second ' + '$mark') } -ArgumentList '$second'; 'pid ' + `$a.Id + ' $mark'"
        $firstPid = [int](((Wait-Output "^pid \d+ $mark$") -split ' ')[1])
        Wait-Until { (Get-Screen | Where-Object { $_ } | Select-Object -Last 1) -eq $script:Prompt.TrimEnd() } -Because 'the prompt to come back'
        try {
            $null = New-Item -ItemType File $first
            $null = Wait-Output "^first $mark$" -TimeoutSeconds 30
            Wait-Until { -not (Test-ProcessAlive $firstPid) } -Because 'the first child to end'
            $null = New-Item -ItemType File $second
            $null = Wait-Output "second $mark$" -TimeoutSeconds 30   # no key is pressed
        }
        finally { Remove-Item $first, $second -ErrorAction Ignore }
        Send-Line "'next ' + 'command $mark'"
        $null = Wait-Output "^next command $mark$"
    }

    It "writes what <Source> prints above the prompt, and what was typed stays there to run (<Case>)" -ForEach @(
        foreach ($source in 'a callback', 'a pool task', 'a child', "a child's standard error") {
            @{ Source = $source; Case = 'nothing typed'; Typed = '' }
            @{ Source = $source; Case = 'a command typed'; Typed = "'typed ' + 'text'" }
        }
        @{ Source = 'a callback'; Case = 'a command longer than a row'; Typed = "'typed ' + '$('y' * 150)'" }
        @{ Source = 'a child'; Case = 'a command longer than a row'; Typed = "'typed ' + '$('y' * 150)'" }
    ) {
        if (-not $script:Tmux) { Set-ItResult -Skipped -Because 'tmux is not installed'; return }
        $word = @{ 'a callback' = 'callback'; 'a pool task' = 'task'; 'a child' = 'child'; "a child's standard error" = 'error' }[$Source]
        $mark = [guid]::NewGuid().ToString('N').Substring(0, 8)
        $done = Join-Path ([IO.Path]::GetTempPath()) "mp-idle-$mark"
        Send-Line ($script:Sources[$Source].Replace('{done}', $done).Replace('{mark}', $mark))
        Wait-Until { (Get-Screen | Where-Object { $_ } | Select-Object -Last 1) -eq $script:Prompt.TrimEnd() } -Because 'the prompt to come back'
        if ($Typed) { Invoke-Tmux 'send-keys', '-t', 'mp', '-l', $Typed }
        $expected = @("$word $mark", 'in colour') + @(($script:Prompt + $Typed) -split '(.{120})' | Where-Object { $_ } | ForEach-Object TrimEnd)
        Wait-Until { (Get-Screen) -match [regex]::Escape($Typed.Substring(0, [Math]::Min(20, $Typed.Length))) } -Because 'the typed text to show'
        $null = New-Item -ItemType File $done
        try {
            # With a line typed, PSReadLine on Unix runs events at the next key after 300 ms without one: press
            # one that changes nothing, a second apart, until the lines have printed.
            try {
                Wait-Until {
                    if ($Typed) { Invoke-Tmux 'send-keys', '-t', 'mp', 'End' }
                    $shown = [Diagnostics.Stopwatch]::StartNew()
                    while (-not ((Get-Screen) -contains "$word $mark") -and $shown.ElapsedMilliseconds -lt 1000) { Start-Sleep -Milliseconds 50 }
                    (Get-Screen) -contains "$word $mark"
                } -TimeoutSeconds 60 -Because 'the lines to print'
            }
            catch { throw "$_ The terminal shows:`n$((Get-Screen | Where-Object { $_ }) -join "`n")" }
            Wait-Until { $null -ne (Get-ScreenFrom "$word $mark") -and @(Get-ScreenFrom "$word $mark").Count -ge $expected.Count } -Because 'the prompt to be drawn again'
            $after = @(Get-ScreenFrom "$word $mark")
            $after -join "`n" | Should -Be ($expected -join "`n") -Because 'the lines sit above an intact prompt holding what was typed'
            (Get-Screen) -match "[^ ]$word $mark" | Should -BeNullOrEmpty -Because 'nothing is printed into the typed line'
            if ($Source -notmatch 'error') {
                $coloured = @(Invoke-Tmux 'capture-pane', '-p', '-e', '-S', '-500', '-t', 'mp') -match 'in colour' | Select-Object -Last 1
                $coloured | Should -Match '\x1b\[(\d+;)*(32|92)m(\x1b\[[\d;]*m)*in colour' -Because 'Write-Host -ForegroundColor keeps its colour'
            }
        }
        finally { Remove-Item $done -ErrorAction Ignore }
        if ($Typed) {
            Invoke-Tmux 'send-keys', '-t', 'mp', 'Enter'
            $null = Wait-Output '^typed (text|y+)$'
        }
        Send-Line "'next ' + 'command $mark'"
        $null = Wait-Output "^next command $mark$"
        (Get-Screen) -match "^$([regex]::Escape($script:Prompt))'next ' \+ 'command $mark'$" | Should -Not -BeNullOrEmpty -Because 'the next command is typed on a prompt of its own'
        # A child that ended at the next case's idle prompt would leave it waiting for a key (the case above).
        if ($Source -match 'child') {
            Send-Line "`$null = Wait-MpProcess `$c -Timeout 30; 'waited ' + 'for $mark'"
            $null = Wait-Output "^waited for $mark$"
        }
    }
}
