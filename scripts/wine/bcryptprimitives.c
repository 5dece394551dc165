/*
 * bcryptprimitives.dll for Wine releases without it (Debian 12's Wine 8.0).
 *
 * Go's Windows runtime (since Go 1.24) gets its random bytes from
 * ProcessPrng in bcryptprimitives.dll, which Windows 10 and later have and
 * Wine has only since 9.x. scripts/wine-test.sh builds this DLL with
 * mingw-w64 and puts it into the throw-away Wine prefix of the test, and
 * only when that prefix has no bcryptprimitives.dll of its own. It is never
 * shipped: on Windows the system's DLL is used.
 *
 * ProcessPrng is implemented with RtlGenRandom (advapi32
 * SystemFunction036), the system CSPRNG older Go releases used.
 */
#include <windows.h>
#define SystemFunction036 NTAPI SystemFunction036
#include <ntsecapi.h>
#undef SystemFunction036
__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
  while (len > 0) {
    ULONG n = len > 0x40000000 ? 0x40000000 : (ULONG)len;
    if (!RtlGenRandom(data, n)) return FALSE;
    data += n; len -= n;
  }
  return TRUE;
}
