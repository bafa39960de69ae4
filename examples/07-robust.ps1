# A run that meets a bad day: of five inputs, one hangs, one fails twice before it succeeds, and one
# kills its worker every time. Each input still gets exactly one answer, and the run goes on (SPEC §10).

$attempts = New-MpDictionary   # every worker counts here, so an input's attempts are counted across workers
$results = 'ok-1', 'hangs', 'flaky', 'kills', 'ok-2' | Invoke-MpPool {
    $attempt = ($using:attempts).Increment($_)
    switch ($_) {
        'hangs' { Start-Sleep 600 }                                          # stopped by -TaskTimeout
        'flaky' { if ($attempt -le 2) { throw "flaky: attempt $attempt failed" } }
        'kills' { Stop-Process -Id $PID -Force }                            # the worker dies: MpWorkerLost
    }
    "$_ succeeded on attempt $attempt"
} -Size 2 -TaskTimeout 2 -StopGrace 1 -RetryCount 2 -RetryDelay 0.2 -RetryOn 'flaky*', 'MpWorkerLost' -ErrorVariable failures -ErrorAction SilentlyContinue

'Results:'
$results | ForEach-Object { "  $_" }
'Failures (the last attempt''s error, with the input it belongs to):'
$failures | ForEach-Object { "  $($_.TargetObject): $($_.FullyQualifiedErrorId -replace ',.*'): $_" }
