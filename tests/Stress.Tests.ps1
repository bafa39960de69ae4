# SPEC §2's promises at 10-100x the functional tests' scale, with processes killed by SIGKILL at random
# moments. Every case counts what was lost, doubled or out of order, asserts zero (or the bound a kill
# allows), and says what it counted when it fails.
BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'SshHosts.ps1')
    $script:NoSshd = -not (Get-Sshd)
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:StandbyCount = [Multiproc.MpSettings]::StandbyCount
    [Multiproc.MpSettings]::StandbyCount = 0
    $script:Random = [Random]::new()

    # A payload of 1 B to 1 MB, mostly small: every 500th item is 1 MB, every 50th 10 KB.
    function Get-PayloadSize([int] $Seq) {
        if ($Seq % 500 -eq 0) { 1MB } elseif ($Seq % 50 -eq 0) { 10KB } else { 1 + $Seq % 100 }
    }

    # Items are "producer/seq/payload", one list per consumer: counts losses, doubles, bad payloads, and
    # order breaks per producer within what each consumer got.
    function Measure-Delivery([object[]] $PerConsumer, [hashtable] $Expected, [switch] $AnyPayload) {
        $seen = @{}; $doubled = 0; $reordered = 0; $badPayload = 0; $got = 0
        foreach ($items in $PerConsumer) {
            $last = @{}
            foreach ($item in $items) {
                $got++
                $producer, $seq, $payload = $item -split '/', 3
                $seq = [int]$seq
                if ($seen.ContainsKey("$producer/$seq")) { $doubled++ } else { $seen["$producer/$seq"] = 1 }
                if ($last.ContainsKey($producer) -and $seq -le $last[$producer]) { $reordered++ }
                $last[$producer] = $seq
                if (-not $AnyPayload -and $payload.Length -ne (Get-PayloadSize $seq)) { $badPayload++ }
            }
        }
        $lost = 0
        foreach ($producer in $Expected.Keys) {
            foreach ($seq in 1..$Expected[$producer]) { if (-not $seen.ContainsKey("$producer/$seq")) { $lost++ } }
        }
        [pscustomobject]@{ Got = $got; Lost = $lost; Doubled = $doubled; Reordered = $reordered; BadPayload = $badPayload }
    }

    # Kills a random worker of $Pool $Kills times, $MinMs to $MaxMs apart (after $FirstMs), on a thread of
    # its own; Stop-WorkerKiller waits for it and returns how many it killed.
    function Start-WorkerKiller([Multiproc.MpPool] $Pool, [int] $Kills, [int] $MinMs, [int] $MaxMs, [int] $FirstMs = 0) {
        $shell = [powershell]::Create().AddScript({
                param($pool, $seed, $kills, $minMs, $maxMs, $firstMs)
                $random = [Random]::new($seed); $done = 0
                Start-Sleep -Milliseconds $firstMs
                while ($done -lt $kills) {
                    Start-Sleep -Milliseconds ($random.Next($minMs, $maxMs))
                    $ids = $pool.WorkerIds
                    if ($ids.Count) { Stop-Process -Id $ids[$random.Next(0, $ids.Count)] -Force -ErrorAction Ignore; $done++ }
                }
                $done
            })
        foreach ($argument in $Pool, $script:Random.Next(), $Kills, $MinMs, $MaxMs, $FirstMs) { $null = $shell.AddArgument($argument) }
        [pscustomobject]@{ Shell = $shell; Handle = $shell.BeginInvoke() }
    }

    function Stop-WorkerKiller($Killer) {
        try { $Killer.Shell.EndInvoke($Killer.Handle)[0] } finally { $Killer.Shell.Dispose() }
    }
}

AfterAll {
    Get-MpPool | Stop-MpPool
    Remove-AllMpProcess
    [Multiproc.MpSettings]::StandbyCount = $script:StandbyCount
}

Describe 'Queues under load' {
    It 'moves 4 producers x 6,000 mixed-size items to 3 consumers exactly once, in producer order (<Kind>)' -ForEach @(
        @{ Kind = 'unbounded'; MaxSize = 0 }
        @{ Kind = 'bounded'; MaxSize = 50 }
    ) {
        $q = if ($MaxSize) { New-MpQueue -MaxSize $MaxSize } else { New-MpQueue }
        $results = New-MpQueue
        $sizer = ${function:Get-PayloadSize}.ToString()
        $producers = 1..4 | Start-MpProcess {
            param($q, $sizer)
            $size = [scriptblock]::Create($sizer)
            foreach ($i in 1..6000) { $q.Put("$PID/$i/" + ('x' * (& $size $i))) }
        } -ArgumentList $q, $sizer
        $consumers = 1..3 | Start-MpProcess {
            param($q, $results)
            $got = [Collections.Generic.List[string]]::new()
            try { while ($true) { $got.Add($q.Get(120)) } } catch { $results.Put($got.ToArray()) }
        } -ArgumentList $q, $results
        $producers | Wait-MpProcess -Timeout 300
        $q.Complete()
        $perConsumer = foreach ($c in 1..3) { , $results.Get(300) }
        $expected = @{}; foreach ($p in $producers) { $expected["$($p.Id)"] = 6000 }
        $counts = Measure-Delivery $perConsumer $expected
        "$($counts.Got)/$($counts.Lost)/$($counts.Doubled)/$($counts.Reordered)/$($counts.BadPayload)" |
            Should -Be '24000/0/0/0/0' -Because 'got/lost/doubled/reordered/bad payloads of 24,000 items put'
        $counts.Got | Should -Be 24000
    }

    It 'keeps every returned Put of producers killed at random moments, in order, never doubled' {
        $q = New-MpQueue
        $progress = New-MpDictionary
        $expected = @{}; $atLeast = @{}
        foreach ($round in 1..8) {
            $producer = Start-MpProcess {
                param($q, $progress)
                for ($i = 1; ; $i++) { $q.Put("$PID/$i/" + ('x' * (1 + $i % 100))); if ($i % 50 -eq 0) { $progress["$PID"] = $i } }
            } -ArgumentList $q, $progress
            Wait-Until { $progress["$($producer.Id)"] -ge 50 } -Because 'the producer to put'
            Start-Sleep -Milliseconds ($script:Random.Next(0, 300))
            $atLeast["$($producer.Id)"] = $progress["$($producer.Id)"]   # these Puts had returned
            Stop-Process -Id $producer.Id -Force
            $producer | Wait-MpProcess
        }
        $items = [Collections.Generic.List[string]]::new()
        $item = $null
        while ($q.TryGet([ref] $item)) { $items.Add($item) }
        # What each killed producer got across is a prefix of what it put, at least what it reported.
        $lastSeq = @{}
        foreach ($it in $items) { $p, $s, $null = $it -split '/', 3; $lastSeq[$p] = [math]::Max([int]$s, [int]$lastSeq[$p]) }
        foreach ($p in $atLeast.Keys) { $expected[$p] = $lastSeq[$p] }
        $counts = Measure-Delivery @(, $items.ToArray()) $expected -AnyPayload
        foreach ($p in $atLeast.Keys) {
            $lastSeq[$p] | Should -BeGreaterOrEqual $atLeast[$p] -Because "producer $p's first $($atLeast[$p]) Puts had returned before it was killed"
        }
        "$($counts.Lost)/$($counts.Doubled)/$($counts.Reordered)" | Should -Be '0/0/0' -Because "lost/doubled/reordered of $($counts.Got) items"
    }

    It 'loses at most the item in a killed consumer''s hands, and doubles none, over 8 random consumer kills' {
        $q = New-MpQueue
        $forwarded = New-MpQueue
        foreach ($i in 1..20000) { $q.Put($i) }
        $kills = 0
        while ($kills -lt 8) {
            $consumer = Start-MpProcess { param($q, $out) while ($true) { $out.Put($q.Get()) } } -ArgumentList $q, $forwarded
            Wait-Until { $forwarded.Count -gt 0 -or $q.Count -lt 20000 } -Because 'the consumer to take items'
            Start-Sleep -Milliseconds ($script:Random.Next(20, 200))
            Stop-Process -Id $consumer.Id -Force
            $consumer | Wait-MpProcess
            $kills++
        }
        $drain = Start-MpProcess { param($q, $out) try { while ($true) { $out.Put($q.Get(0)) } } catch { } } -ArgumentList $q, $forwarded
        $drain | Wait-MpProcess
        $got = [Collections.Generic.List[int]]::new(); $item = $null
        while ($forwarded.TryGet([ref] $item)) { $got.Add($item) }
        $doubled = $got.Count - ($got | Sort-Object -Unique).Count
        $lost = 20000 - ($got | Sort-Object -Unique).Count
        $doubled | Should -Be 0 -Because "$($got.Count) items came through"
        $lost | Should -BeLessOrEqual $kills -Because "each of $kills killed consumers held at most one item between its Get and its Put"
    }
}

Describe 'Pipes under load' {
    It 'delivers bursts of 100,000 then Close() from <From>, with SendBytes too' -ForEach @(
        @{ From = 'a child' }
        @{ From = 'the parent' }
    ) {
        $r, $w = New-MpPipe -Simplex
        $report = New-MpQueue
        $sender = { param($w) foreach ($i in 1..100000) { if ($i % 1000 -eq 0) { $w.SendBytes([byte[]]::new($i % 7000)) } else { $w.Send($i) } }; $w.Close() }
        $receiver = {
            param($r)
            $n = 0; $sum = 0; $bytes = 0; $order = 0; $last = 0
            $end = try { while ($true) { $m = $r.Receive(120); $n++; if ($m -is [byte[]]) { $bytes += $m.Length } else { if ($m -le $last) { $order++ }; $last = $m; $sum += $m } } } catch { $_.FullyQualifiedErrorId }
            "$n/$sum/$bytes/$order/$end"
        }
        $expectedSum = 0; $expectedBytes = 0
        foreach ($i in 1..100000) { if ($i % 1000 -eq 0) { $expectedBytes += $i % 7000 } else { $expectedSum += $i } }
        if ($From -eq 'a child') {
            $child = Start-MpProcess $sender -ArgumentList $w
            $got = & $receiver $r
            $child | Wait-MpProcess
        }
        else {
            $child = Start-MpProcess { param($r, $report, $receiver) $report.Put((& ([scriptblock]::Create($receiver)) $r)) } -ArgumentList $r, $report, $receiver.ToString()
            & $sender $w
            $got = $report.Get(300)
        }
        $got | Should -Be "100000/$expectedSum/$expectedBytes/0/MpPipeClosed" -Because 'count/sum/bytes/out-of-order/how it ended'
    }
}

Describe 'Pipe readers killed mid-stream' {
    It 'leaves every message a killed reader had not received to the next reader, over 6 kills: <Case>' -ForEach @(
        # The ints are paced (10 ms a hundred): a reader alone could take all 60,000 between two kills, and the last reader must be the one to see the end.
        @{ Case = '60,000 ints'; Count = 60000; Size = 0; Pace = 100 }
        @{ Case = '1,500 messages of 100 KB, each in a file'; Count = 1500; Size = 100KB; Pace = 0 }
    ) {
        $r, $w = New-MpPipe -Simplex
        $got = New-MpQueue
        $sender = Start-MpProcess {
            param($w, $count, $size, $pace)
            $pad = 'x' * $size
            foreach ($i in 1..$count) {
                if ($size) { $w.Send("$i|$pad") } else { $w.Send($i) }
                if ($pace -and $i % $pace -eq 0) { Start-Sleep -Milliseconds 10 }
            }
            $w.Close()
        } -ArgumentList $w, $Count, $Size, $Pace
        $kills = 0
        while ($kills -lt 6) {
            $reader = Start-MpProcess {
                param($r, $got)
                # Stop at the first error: a statement that throws leaves $m as it was.
                try { while ($true) { $m = $r.Receive(); if ($m -is [string]) { $m = [int]$m.Substring(0, $m.IndexOf('|')) }; $got.Put($m) } }
                catch { $got.Put("reader error: $($_.FullyQualifiedErrorId)") }
            } -ArgumentList $r, $got
            $before = $got.Count
            Wait-Until { $got.Count -gt $before + [Math]::Min(100, $Count / 100) } -Because 'the reader to receive'
            Start-Sleep -Milliseconds ($script:Random.Next(0, 30))
            Stop-Process -Id $reader.Id -Force
            $reader | Wait-MpProcess
            $kills++
        }
        $last = Start-MpProcess {
            param($r, $got)
            try { while ($true) { $m = $r.Receive(60); if ($m -is [string]) { $m = [int]$m.Substring(0, $m.IndexOf('|')) }; $got.Put($m) } }
            catch { $got.Put("end: $($_.FullyQualifiedErrorId)") }
        } -ArgumentList $r, $got
        $last | Wait-MpProcess -Timeout 300
        $sender | Wait-MpProcess
        $items = [Collections.Generic.List[object]]::new(); $item = $null
        while ($got.TryGet([ref] $item)) { $items.Add($item) }
        $items[-1] | Should -Be 'end: MpPipeClosed'
        # Every kill landed mid-stream: no reader before the last one saw the end.
        @($items | Where-Object { $_ -is [string] }).Count | Should -Be 1
        $numbers = @($items | Where-Object { $_ -is [int] })
        $unique = ($numbers | Sort-Object -Unique)
        $doubled = $numbers.Count - $unique.Count
        $lost = $Count - $unique.Count
        $doubled | Should -Be 0 -Because "$($numbers.Count) messages came through"
        # A killed reader can lose only a message it had received but not yet passed on.
        $lost | Should -BeLessOrEqual $kills -Because "$kills readers were killed"
    }
}

Describe 'The pool under worker kills' {
    BeforeAll { $script:Pool = New-MpPool -Size 2 }
    AfterAll { Stop-MpPool $script:Pool }

    It 'answers each of 100,000 inputs exactly once with workers killed mid-run (<Order>)' -ForEach @(
        @{ Order = 'ordered'; Unordered = $false }
        @{ Order = 'unordered'; Unordered = $true }
    ) {
        $pool = $script:Pool
        $killer = Start-WorkerKiller $pool -Kills 6 -MinMs 50 -MaxMs 250 -FirstMs 300
        $errs = $null
        # Each task takes ~0.1 ms so the kills land mid-run; a killed worker's running item fails.
        $got = 1..100000 | Invoke-MpPool { $x = 0; foreach ($k in 1..20) { $x += $k }; $_ } -Pool $pool -Unordered:$Unordered -ErrorVariable errs -ErrorAction SilentlyContinue
        $kills = Stop-WorkerKiller $killer
        $failedInputs = @($errs | ForEach-Object TargetObject)
        $answered = @($got) + $failedInputs
        $unique = ($answered | Sort-Object -Unique).Count
        $doubled = $answered.Count - $unique
        $lost = 100000 - $unique
        $reordered = 0
        if (-not $Unordered) { for ($i = 1; $i -lt $got.Count; $i++) { if ($got[$i] -le $got[$i - 1]) { $reordered++ } } }
        "$lost/$doubled/$reordered" | Should -Be '0/0/0' -Because "lost/doubled/reordered with $($got.Count) results and $($errs.Count) errors after $kills kills"
        $errs.Count | Should -BeLessOrEqual $kills
        @($errs | Where-Object FullyQualifiedErrorId -notlike 'MpWorkerLost*').Count | Should -Be 0
        Wait-Until { $pool.WorkerIds.Count -eq 2 } -Because 'the pool to keep its size'
    }

    It 'answers each of 20,000 inputs exactly once with timeouts and retries while workers are killed at random' {
        $pool = $script:Pool
        $runs = New-MpDictionary
        $killer = Start-WorkerKiller $pool -Kills 6 -MinMs 300 -MaxMs 1500
        $errs = $null
        # Every 4,000th input hangs until its timeout, three times; a killed worker's item runs again.
        $got = 1..20000 | Invoke-MpPool {
            $null = ($using:runs).Increment($_)
            if ($_ % 4000 -eq 0) { Start-Sleep 600 }
            $_
        } -Pool $pool -Unordered -TaskTimeout 1 -StopGrace 0.5 -RetryCount 2 -RetryDelay 0 -ErrorVariable errs -ErrorAction SilentlyContinue
        $kills = Stop-WorkerKiller $killer
        $answered = @($got) + @($errs | ForEach-Object TargetObject)
        $unique = ($answered | Sort-Object -Unique).Count
        "$(20000 - $unique)/$($answered.Count - $unique)" | Should -Be '0/0' -Because "lost/doubled with $(@($got).Count) results and $($errs.Count) errors after $kills kills"
        @($errs | ForEach-Object TargetObject | Sort-Object) | Should -Be 4000, 8000, 12000, 16000, 20000
        foreach ($e in $errs) {
            # A kill may land on a hanging task too: its attempt then ends as a lost worker's.
            $e.FullyQualifiedErrorId | Should -BeLike 'Mp*,*'
            $e.FullyQualifiedErrorId -replace ',.*' | Should -BeIn 'MpTaskTimeout', 'MpWorkerLost'
            "$e" | Should -Match 'all 3 attempts'
            # An attempt whose worker a kill ended before the task counted itself is an attempt all the same.
            $runs[$e.TargetObject] | Should -BeIn 1, 2, 3
        }
        $ranAgain = @(@($got) | Where-Object { $runs[$_] -ne 1 })
        $ranAgain.Count | Should -BeLessOrEqual $kills -Because 'only an item a killed worker was running runs again'
        Wait-Until { $pool.WorkerIds.Count -eq 2 } -Because 'the pool to keep its size'
    }

    It 'never runs a finished task twice across 8 worker kills' {
        $runs = New-MpDictionary
        $errs = $null
        $got = 1..2000 | Invoke-MpPool { param($runs) $null = $runs.Increment($_, 1); if ($_ % 250 -eq 7) { [Diagnostics.Process]::GetCurrentProcess().Kill() }; $_ } -Pool $script:Pool -ArgumentList $runs -ErrorVariable errs -ErrorAction SilentlyContinue
        ($got.Count + $errs.Count) | Should -Be 2000
        $twice = @($got | Where-Object { $runs[$_] -ne 1 })
        $twice.Count | Should -Be 0 -Because "succeeded inputs that ran more than once: $($twice -join ', ')"
        $errs.Count | Should -Be 8
    }

    It 'has run every callback of 10,000 -Async tasks when Wait-MpPool returns, 5 times' {
        # The last chunk's callbacks were once queued after the pool counted as idle: Wait-MpPool
        # returned without them (9,781 of 10,000 in one bench run).
        $short = foreach ($round in 1..5) {
            $pool = New-MpPool -Size 2
            $done = [ref]0
            $null = 1..10000 | Invoke-MpPool { $_ + 1 } -Pool $pool -Async -Callback { $done.Value++ }
            Wait-MpPool $pool
            if ($done.Value -ne 10000) { "round $round ran $($done.Value)" }
        }
        $short | Should -BeNullOrEmpty
    }

    It 'calls back exactly once for each of 3,000 -Async tasks while workers are killed' {
        $pool = $script:Pool
        $seen = [Collections.Generic.List[int]]::new()
        $failures = [Collections.Generic.List[object]]::new()
        $tasks = foreach ($n in 1..3000) {
            Invoke-MpPool { param($n) if ($n % 500 -eq 250) { [Diagnostics.Process]::GetCurrentProcess().Kill() }; $n } -Pool $pool -ArgumentList $n -Async `
                -Callback { $seen.Add($_) } -ErrorCallback { $failures.Add($_.TargetObject) }
        }
        Wait-MpTask $tasks -Timeout 300 | Out-Null
        Wait-Until { Wait-MpTask $tasks -Timeout 0.1 | Out-Null; $seen.Count + $failures.Count -ge 3000 } -TimeoutSeconds 60 -Because 'every callback'
        $killers = 250, 750, 1250, 1750, 2250, 2750
        $unique = ($seen | Sort-Object -Unique)
        $doubled = $seen.Count - $unique.Count
        $lost = @(1..3000 | Where-Object { $_ -notin $killers } | Where-Object { $unique -notcontains $_ }).Count
        "$lost/$doubled/$($failures.Count)" | Should -Be '0/0/6' -Because 'lost/doubled callbacks and error callbacks (one per task that killed its worker)'
        @($seen | Where-Object { $_ -in $killers }).Count | Should -Be 0
        @($tasks | Where-Object { -not $_.IsCompleted }).Count | Should -Be 0
    }
}

Describe 'A pool on two hosts under worker and host kills' -Skip:$script:NoSshd {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'SshHosts.ps1')
        $script:Lab = Start-TestSshHosts
        $script:Reach = @{ HostName = $Lab.HostNames; KeyFilePath = $Lab.KeyFilePath; Options = $Lab.Options }

        # Lost, doubled and out-of-order answers of a map over 1..$Count: its results and the inputs of its errors.
        function Measure-Answers([object[]] $Got, [object[]] $Errors, [int] $Count) {
            $answered = @($Got) + @($Errors | ForEach-Object TargetObject)
            $unique = ($answered | Sort-Object -Unique).Count
            $reordered = 0
            for ($i = 1; $i -lt $Got.Count; $i++) { if ($Got[$i] -le $Got[$i - 1]) { $reordered++ } }
            "$($Count - $unique)/$($answered.Count - $unique)/$reordered"
        }
    }
    AfterAll {
        Get-MpPool | Stop-MpPool
        Stop-TestSshHosts $script:Lab
    }

    It 'answers each of 50,000 inputs exactly once, in order, with remote workers killed mid-run' {
        $pool = New-MpPool @Reach -SizePerHost 2
        try {
            $killer = Start-WorkerKiller $pool -Kills 6 -MinMs 100 -MaxMs 400 -FirstMs 200
            $errs = $null
            $got = 1..50000 | Invoke-MpPool { $x = 0; foreach ($k in 1..200) { $x += $k }; $_ } -Pool $pool -ErrorVariable errs -ErrorAction SilentlyContinue
            $kills = Stop-WorkerKiller $killer
            Measure-Answers $got $errs 50000 | Should -Be '0/0/0' -Because "lost/doubled/reordered with $(@($got).Count) results and $($errs.Count) errors after $kills kills"
            $errs.Count | Should -BeLessOrEqual $kills
            @($errs | Where-Object FullyQualifiedErrorId -notlike 'MpWorkerLost*').Count | Should -Be 0
            Wait-Until { $pool.WorkerIds.Count -eq 4 } -Because 'each host to be back at its size'
        }
        finally { Stop-MpPool $pool }
    }

    It 'answers each of 20,000 inputs exactly once, in order, when a host is lost mid-run: what it ran runs again on the other' {
        $pool = New-MpPool @Reach -SizePerHost 2 -RetryCount 2 -RetryDelay 0
        try {
            $sshd = ($Lab.Hosts | Where-Object Address -EQ '127.0.0.2').Process.Id
            $doomed = @(Get-DescendantProcessId $sshd) + $sshd   # its sshd, the pool's session there, the agent, the workers
            $hostKiller = [powershell]::Create().AddScript({
                    param($ids) Start-Sleep -Milliseconds 1500; foreach ($id in $ids) { Stop-Process -Id $id -Force -ErrorAction Ignore }
                }).AddArgument($doomed)
            $killing = $hostKiller.BeginInvoke()
            $errs = $null
            $got = 1..20000 | Invoke-MpPool { Start-Sleep -Milliseconds 1; $_ } -Pool $pool -ErrorVariable errs -ErrorAction SilentlyContinue
            $null = $hostKiller.EndInvoke($killing)
            $hostKiller.Dispose()
            Measure-Answers $got $errs 20000 | Should -Be '0/0/0' -Because "lost/doubled/reordered with $(@($got).Count) results and $($errs.Count) errors"
            $errs.Count | Should -Be 0 -Because 'the lost host''s running tasks had attempts left'
            ($pool.Hosts | Where-Object HostName -EQ '127.0.0.2').State | Should -Be 'Lost'
            ($pool.Hosts | Where-Object HostName -EQ '127.0.0.1').WorkerIds.Count | Should -Be 2
        }
        finally { Stop-MpPool $pool }
    }
}

Describe 'A journaled run under session kills' {
    It 'resumes 4,000 inputs across 5 sessions killed with SIGKILL at random moments: output whole and in order, no journaled success run again' {
        $total = 4000
        $journal = Join-Path $TestDrive 'stress.jsonl'
        # Each run of an input is logged as a file of its own in its session's folder; every 1,000th input fails, every time.
        # Each takes a few milliseconds, so a session runs on only a little (never to its end) between reaching its kill point and the kill.
        $task = '[System.IO.File]::WriteAllText((Join-Path $using:log "$_.$([guid]::NewGuid().ToString(''N''))"), ''''); Start-Sleep -Milliseconds 4; if ($_ % 1000 -eq 500) { throw "input $_ fails" }; "out $_"; $_ * 3'
        $runSession = {
            param([int] $Session, [switch] $Resume)
            $file = Join-Path $TestDrive "session-$Session.ps1"
            $log = (New-Item -ItemType Directory (Join-Path $TestDrive "runs-$Session") -Force).FullName
            "Import-Module '$script:ModulePath'; `$log = '$log'; " +
            "`$null = 1..$total | Invoke-MpPool { $task } -Size 2 -Journal '$journal' $(if ($Resume) { '-Resume' }) -ErrorAction SilentlyContinue" | Set-Content $file
            Start-Process $script:Pwsh -ArgumentList '-NoProfile', '-NonInteractive', '-File', $file -PassThru
        }
        # The journal's whole lines, each parsed (a line a kill cut off at the end is not one of them).
        $readJournal = {
            if (-not (Test-Path $journal)) { return }
            $text = [System.IO.File]::ReadAllText($journal)
            foreach ($line in $text.Substring(0, $text.LastIndexOf("`n") + 1).Split("`n", [StringSplitOptions]::RemoveEmptyEntries)) {
                $line | ConvertFrom-Json -ErrorAction Stop
            }
        }
        $succeededBefore = @{}   # session -> the inputs journaled as succeeded when it started
        $lines = 0
        foreach ($session in 1..5) {
            $succeededBefore[$session] = @(& $readJournal | Where-Object result -EQ 'success' | ForEach-Object { $_.index + 1 })
            $process = & $runSession $session -Resume:($session -gt 1)
            try {
                # Killed once the journal has grown by a random twentieth to sixth of what is left: never before it ran,
                # never after it ended (before the fifth session, about half of it is left).
                $left = $total - $succeededBefore[$session].Count
                $target = $lines + $script:Random.Next([Math]::Max(1, [int]($left / 20)), [Math]::Max(2, [int]($left / 6)))
                Wait-Until { (Test-Path $journal) -and @(Get-Content $journal).Count -ge $target } -TimeoutSeconds 180 -Because "session $session to reach $target lines"
                Start-Sleep -Milliseconds ($script:Random.Next(0, 100))   # a random moment after that: maybe mid-write
                Stop-Process -Id $process.Id -Force
                $process.WaitForExit()
            }
            finally { Stop-Process -Id $process.Id -Force -ErrorAction Ignore }
            $entries = @(& $readJournal)   # every whole line parses
            $lines = $entries.Count
            @($entries | Where-Object result -EQ 'success').Count | Should -BeLessThan ($total - 4) -Because "session $session was killed before it ended"
        }
        $succeededBefore[6] = @(& $readJournal | Where-Object result -EQ 'success' | ForEach-Object { $_.index + 1 })
        $log = (New-Item -ItemType Directory (Join-Path $TestDrive 'runs-6')).FullName
        $errs = $null
        $got = 1..$total | Invoke-MpPool ([scriptblock]::Create($task)) -Size 2 -Journal $journal -Resume -ErrorVariable errs -ErrorAction SilentlyContinue

        $expected = foreach ($n in 1..$total) { if ($n % 1000 -ne 500) { "out $n"; $n * 3 } }
        $diff = @(Compare-Object @($got) @($expected) -SyncWindow 0).Count
        $diff | Should -Be 0 -Because "the resumed output is that of an uninterrupted run ($(@($got).Count) objects, $(@($expected).Count) expected)"
        @($errs | ForEach-Object TargetObject) | Should -Be 500, 1500, 2500, 3500
        $rerun = foreach ($session in 2..6) {
            $ran = @(Get-ChildItem (Join-Path $TestDrive "runs-$session") -File -ErrorAction Ignore | ForEach-Object { [int]$_.Name.Split('.')[0] })
            $ran | Where-Object { $succeededBefore[$session] -contains $_ } | ForEach-Object { "$_ in session $session" }
        }
        @($rerun) | Should -BeNullOrEmpty -Because 'an input journaled as succeeded never runs again'
    }
}

Describe 'Shared dictionaries under client kills' {
    It 'keeps each write whole and serves the others when clients are killed mid-write' {
        $d = New-MpDictionary
        foreach ($round in 1..6) {
            $client = Start-MpProcess { param($d) $k = "c$PID"; for ($i = 1; ; $i++) { $null = $d.Increment("$k/a", 1); $null = $d.Increment("$k/b", 1) } } -ArgumentList $d
            Wait-Until { $d["c$($client.Id)/b"] -ge 20 } -Because 'the client to write'
            Start-Sleep -Milliseconds ($script:Random.Next(0, 200))
            Stop-Process -Id $client.Id -Force
            $client | Wait-MpProcess
            $a = $d["c$($client.Id)/a"]; $b = $d["c$($client.Id)/b"]
            ($a - $b) | Should -BeIn 0, 1 -Because "a=$a, b=$b; each Increment is whole, and b follows a"
        }
        $d.Increment('after', 5) | Should -Be 5
    }
}
