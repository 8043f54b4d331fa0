//! Where the machine's CPU went during the run, from `/proc`: a rate in signatures per
//! second moves with whatever else the machine is doing, while the CPU time each signature
//! costs, and who spent it, stays put from run to run.

use std::process::Command;

/// CPU seconds spent so far, by whom.
#[derive(Debug, Clone, Copy, Default)]
pub struct CpuTimes {
    pub machine: f64,
    pub service: f64,
    pub postgres: f64,
    /// This process: the load generator and the SMTP sink.
    pub load: f64,
}

impl CpuTimes {
    pub fn now(service_pid: u32) -> Self {
        let tick = clock_ticks_per_second();
        let process = |stat: &str| process_ticks(stat).unwrap_or(0) as f64 / tick;
        let read = |path: String| std::fs::read_to_string(path).unwrap_or_default();
        let postgres = std::fs::read_dir("/proc")
            .into_iter()
            .flatten()
            .flatten()
            .map(|entry| read(format!("{}/stat", entry.path().display())))
            .filter(|stat| stat.contains("(postgres)"))
            .map(|stat| process(&stat))
            .sum();
        Self {
            machine: machine_busy_ticks(&read("/proc/stat".into())).unwrap_or(0) as f64 / tick,
            service: process(&read(format!("/proc/{service_pid}/stat"))),
            postgres,
            load: process(&read("/proc/self/stat".into())),
        }
    }

    pub fn since(self, earlier: Self) -> Self {
        Self {
            machine: self.machine - earlier.machine,
            service: self.service - earlier.service,
            postgres: self.postgres - earlier.postgres,
            load: self.load - earlier.load,
        }
    }
}

/// User and system time of a process, from a `/proc/PID/stat` line. The name in brackets
/// may hold spaces, so fields are counted from after its closing bracket.
fn process_ticks(stat: &str) -> Option<u64> {
    let after_name = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
}

/// Every CPU's time not idle or waiting on I/O, from `/proc/stat`'s first line.
fn machine_busy_ticks(stat: &str) -> Option<u64> {
    let fields: Vec<u64> = stat
        .lines()
        .next()?
        .split_whitespace()
        .skip(1)
        .filter_map(|field| field.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal
    let busy = fields.iter().take(8).sum::<u64>() - fields.get(3)? - fields.get(4)?;
    Some(busy)
}

fn clock_ticks_per_second() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|output| String::from_utf8(output.stdout).ok())
        .and_then(|text| text.trim().parse().ok())
        .unwrap_or(100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_proc_lines() {
        let stat = "1234 (tokio rt) S 1 2 3 4 5 6 7 8 9 10 250 50 0 0";
        assert_eq!(process_ticks(stat), Some(300));
        let machine = "cpu  100 5 50 1000 20 3 2 1 0 0\ncpu0 1 2 3";
        assert_eq!(machine_busy_ticks(machine), Some(161));
    }
}
