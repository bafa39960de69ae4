# Python's lock example: ten children each take the lock and print "hello world N".
#
#   from multiprocessing import Process, Lock
#   def f(l, i):
#       l.acquire()
#       try:
#           print('hello world', i)
#       finally:
#           l.release()
#   if __name__ == '__main__':
#       lock = Lock()
#       for num in range(10):
#           Process(target=f, args=(lock, num)).start()

$lock = New-MpLock
$children = 0..9 | Start-MpProcess { Use-MpLock $using:lock { Write-Host "hello world $_" } }
$children | Wait-MpProcess
