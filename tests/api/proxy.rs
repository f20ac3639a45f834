//! A TCP proxy between the service and its database that a test can cut:
//! every open connection closed at once (a connection lost mid-query), or
//! the database "away" (new connections closed as soon as they arrive).
//! Plain threads, so it keeps working whatever the test's runtime does.

use std::io;
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;

#[derive(Default)]
struct Shared {
    down: AtomicBool,
    stopping: AtomicBool,
    /// Both ends of every connection, to cut them from outside.
    open: Mutex<Vec<(TcpStream, TcpStream)>>,
}

impl Shared {
    fn cut_all(&self) {
        let open = std::mem::take(&mut *self.open.lock().unwrap());
        for (client, server) in open {
            let _ = client.shutdown(Shutdown::Both);
            let _ = server.shutdown(Shutdown::Both);
        }
    }
}

pub struct Proxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
}

impl Proxy {
    /// Listens on 127.0.0.1 (a free port) and forwards to `upstream`.
    pub fn start(upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let shared = Arc::new(Shared::default());
        let state = shared.clone();
        thread::spawn(move || {
            for inbound in listener.incoming() {
                if state.stopping.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(client) = inbound else { continue };
                if state.down.load(Ordering::SeqCst) {
                    let _ = client.shutdown(Shutdown::Both);
                    continue;
                }
                let _ = forward(&state, client, upstream);
            }
        });
        Proxy { addr, shared }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Closes every open connection (the service sees EOF mid-query).
    pub fn cut(&self) {
        self.shared.cut_all();
    }

    /// While down, every connection is cut and new ones are closed at once.
    pub fn set_down(&self, down: bool) {
        self.shared.down.store(down, Ordering::SeqCst);
        if down {
            self.shared.cut_all();
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.shared.stopping.store(true, Ordering::SeqCst);
        self.shared.cut_all();
        // Wake the accept loop so it sees `stopping`.
        let _ = TcpStream::connect(self.addr);
    }
}

fn forward(shared: &Arc<Shared>, client: TcpStream, upstream: SocketAddr) -> io::Result<()> {
    let server = TcpStream::connect(upstream)?;
    shared
        .open
        .lock()
        .unwrap()
        .push((client.try_clone()?, server.try_clone()?));
    for (mut from, mut to) in [(client.try_clone()?, server.try_clone()?), (server, client)] {
        thread::spawn(move || {
            let _ = io::copy(&mut from, &mut to);
            let _ = from.shutdown(Shutdown::Both);
            let _ = to.shutdown(Shutdown::Both);
        });
    }
    Ok(())
}

/// `url` (a `postgres://` URL) with its host and port replaced by `addr`.
pub fn url_via(url: &str, addr: SocketAddr) -> String {
    let (scheme, rest) = url.split_once("://").unwrap();
    let (userinfo, hostpart) = match rest.rsplit_once('@') {
        Some((u, h)) => (format!("{u}@"), h),
        None => (String::new(), rest),
    };
    let path = hostpart.find(['/', '?']).map_or("", |i| &hostpart[i..]);
    format!("{scheme}://{userinfo}{addr}{path}")
}

/// Where a `postgres://` URL points: its host and port (5432 by default).
pub fn upstream_of(url: &str) -> SocketAddr {
    let rest = url.split_once("://").unwrap().1;
    let hostpart = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
    let hostport = hostpart.split(['/', '?']).next().unwrap();
    let hostport = if hostport.contains(':') {
        hostport.to_owned()
    } else {
        format!("{hostport}:5432")
    };
    hostport.to_socket_addrs().unwrap().next().unwrap()
}
