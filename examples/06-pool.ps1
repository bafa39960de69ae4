# Python's pool example: a pool of 5 runs ten tasks asynchronously; each sleeps 2 s, says where it
# ran and returns i + 100; a callback in the parent prints each result.
#
#   def func(i):
#       time.sleep(2); print(f'in process {os.getpid()}'); return i + 100
#   def callback(result):
#       print(f'==>exec done: {result}')
#   if __name__ == '__main__':
#       pool = Pool(5)
#       for i in range(10):
#           pool.apply_async(func, (i,), callback=callback)
#       print('end'); pool.close(); pool.join()

$pool = New-MpPool -Size 5
foreach ($i in 0..9) {
    $null = Invoke-MpPool { param($i) Start-Sleep 2; Write-Host "in process $PID"; $i + 100 } -Pool $pool -ArgumentList $i -Async `
        -Callback { Write-Host "==>exec done: $_" }
}
Write-Host 'end'   # first, as in Python: -Async hands the tasks over and returns at once; the results come while Wait-MpPool waits
Wait-MpPool $pool
