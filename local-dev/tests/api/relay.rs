//! A TCP relay to MariaDB that the tests control: up, cut (every connection dropped and new
//! ones refused, as a failover does) or blackholed (connections stay open and nothing gets
//! through, as a network partition does).

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    Up,
    Cut,
    Blackhole,
}

pub struct Relay {
    /// `database_url` with the relay's address in place of the server's.
    pub url: String,
    link: watch::Sender<Link>,
}

impl Relay {
    pub async fn start(database_url: &str) -> Relay {
        let host_start = database_url
            .find('@')
            .map_or(database_url.find("://").unwrap() + 3, |i| i + 1);
        let host_end = host_start + database_url[host_start..].find('/').unwrap();
        let target = database_url[host_start..host_end].to_string();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!(
            "{}{}{}",
            &database_url[..host_start],
            listener.local_addr().unwrap(),
            &database_url[host_end..]
        );
        let (link, _) = watch::channel(Link::Up);
        let links = link.clone();
        tokio::spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else {
                    continue;
                };
                tokio::spawn(serve(client, target.clone(), links.subscribe()));
            }
        });
        Relay { url, link }
    }

    pub fn cut(&self) {
        self.link.send_replace(Link::Cut);
    }

    pub fn blackhole(&self) {
        self.link.send_replace(Link::Blackhole);
    }

    pub fn restore(&self) {
        self.link.send_replace(Link::Up);
    }
}

/// Holds a connection, without a byte through, until the link is no longer blackholed.
async fn hold(link: &mut watch::Receiver<Link>) -> Link {
    loop {
        let now = *link.borrow_and_update();
        if now != Link::Blackhole {
            return now;
        }
        if link.changed().await.is_err() {
            return Link::Cut;
        }
    }
}

async fn serve(mut client: TcpStream, target: String, mut link: watch::Receiver<Link>) {
    // A connection made while blackholed waits; it goes through only if the link comes up.
    if hold(&mut link).await != Link::Up {
        return; // dropped: refused
    }
    let Ok(mut server) = TcpStream::connect(&target).await else {
        return;
    };
    loop {
        tokio::select! {
            _ = tokio::io::copy_bidirectional(&mut client, &mut server) => return,
            changed = link.changed() => {
                if changed.is_err() {
                    return;
                }
                let now = *link.borrow_and_update();
                match now {
                    Link::Up => {}
                    Link::Cut => return,
                    // Open but silent; when the partition heals the connection is dropped
                    // (its bytes in flight are lost, so it could not be trusted anyway).
                    Link::Blackhole => {
                        hold(&mut link).await;
                        return;
                    }
                }
            }
        }
    }
}
