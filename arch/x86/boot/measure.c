/*
 * arch/x86/boot/measure.c - measured launch through EFI_TCG2_PROTOCOL
 * (arch/x86/boot/measure.h).
 */
#include <efi.h>
#include <efilib.h>

#include "arch/x86/boot/measure.h"

static EFI_GUID tcg2_guid = SHROUD_TCG2_PROTOCOL_GUID;

TCG2_PROTOCOL *tcg2_find(void)
{
	TCG2_BOOT_SERVICE_CAPABILITY cap;
	TCG2_PROTOCOL *t = NULL;
	EFI_STATUS st;

	st = uefi_call_wrapper(BS->LocateProtocol, 3, &tcg2_guid, NULL,
			       (void **)&t);
	if (EFI_ERROR(st) || !t)
		return NULL;
	SetMem(&cap, sizeof(cap), 0);
	cap.Size = (UINT8)sizeof(cap);
	st = uefi_call_wrapper(t->GetCapability, 2, t, &cap);
	if (EFI_ERROR(st) || !cap.TPMPresentFlag)
		return NULL;
	return t;
}

EFI_STATUS measure_extend(TCG2_PROTOCOL *t, const void *data, UINT64 len,
			  const char *desc)
{
	UINTN dl = strlena((const CHAR8 *)desc) + 1;
	UINTN size = sizeof(TCG2_EVENT) + dl;
	TCG2_EVENT *ev = AllocateZeroPool(size);
	EFI_STATUS st;

	if (!ev)
		return EFI_OUT_OF_RESOURCES;
	ev->Size = (UINT32)size;
	ev->Header.HeaderSize = (UINT32)sizeof(TCG2_EVENT_HEADER);
	ev->Header.HeaderVersion = TCG2_EVENT_HEADER_VERSION;
	ev->Header.PCRIndex = SHROUD_PCR;
	ev->Header.EventType = TCG2_EV_IPL;
	CopyMem(ev->Event, (void *)desc, dl);
	st = uefi_call_wrapper(t->HashLogExtendEvent, 5, t, 0ull,
			       (EFI_PHYSICAL_ADDRESS)(UINTN)data, len, ev);
	FreePool(ev);
	return st;
}
