/* startup.c - reset and fault handlers and the vector table for a Cortex-M4F (MPS2
 * AN386 in QEMU, or any M4 with the linker script's memory map): copy .data from flash,
 * zero .bss, turn the FPU on, run main, report its status through semihosting and stop.
 * Faults print their name and stop with status 99. */
#include <stdint.h>
#include <stdio.h>

extern uint32_t __etext, __data_start__, __data_end__, __bss_start__, __bss_end__, __stack_top;
extern int main(void);
extern void initialise_monitor_handles(void);  /* newlib's rdimon: semihosting stdio */
void Reset_Handler(void);

/* a semihosting call: op in r0, argument block in r1 (ARM's semihosting spec) */
static int semihost(int op, const void *arg)
{
    register int r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

/* SYS_EXIT_EXTENDED (0x20): ADP_Stopped_ApplicationExit with an exit status */
void mcu_exit(int status)
{
    uint32_t block[2] = {0x20026u, (uint32_t)status};
    fflush(stdout);
    semihost(0x20, block);
    for (;;)
        ;
}

static void fault(const char *what)
{
    semihost(0x04, what);        /* SYS_WRITE0 */
    mcu_exit(99);
}

static void HardFault_Handler(void) { fault("HardFault\n"); }
static void MemManage_Handler(void) { fault("MemManage fault\n"); }
static void BusFault_Handler(void) { fault("BusFault\n"); }
static void UsageFault_Handler(void) { fault("UsageFault\n"); }
static void Default_Handler(void) { fault("unexpected interrupt\n"); }

__attribute__((section(".vectors"), used))
static void (*const vectors[16])(void) = {
    (void (*)(void))(uintptr_t)&__stack_top, Reset_Handler, Default_Handler, HardFault_Handler,
    MemManage_Handler, BusFault_Handler, UsageFault_Handler, 0, 0, 0, 0,
    Default_Handler, Default_Handler, 0, Default_Handler, Default_Handler,
};

void Reset_Handler(void)
{
    uint32_t *src = &__etext, *dst = &__data_start__;
    while (dst < &__data_end__)
        *dst++ = *src++;
    for (dst = &__bss_start__; dst < &__bss_end__;)
        *dst++ = 0;
    /* CPACR: full access to CP10 and CP11 (the FPU) */
    *(volatile uint32_t *)0xE000ED88u |= 0xFu << 20;
    __asm__ volatile("dsb\n\tisb" ::: "memory");
    initialise_monitor_handles();
    mcu_exit(main());
}
